"""``python -m madoguchi`` runs the command line."""

from madoguchi.cli import main

main()
