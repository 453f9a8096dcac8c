"""``madoguchi check``: every error and every warning of a study file, without running it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["is_study_file", "register", "render_check", "run_check"]


def is_study_file(path: Path) -> bool:
    """Whether ``path`` is a study (a .toml file, or a workbook with the study's sheets)."""
    suffix = path.suffix.lower()
    if suffix == ".toml":
        return True
    if suffix not in {".xlsx", ".xlsm"} or not path.exists():
        return False
    from simulation.excel import is_study_workbook

    return is_study_workbook(path)


def render_check(report: object) -> str:
    """The errors and warnings of a study file as text, with Japanese and English labels."""
    from simulation.checks import CheckReport

    assert isinstance(report, CheckReport)
    lines = [f"file / ファイル: {report.file}"]
    if report.study is not None:
        info = report.study.study
        name = " / ".join(n for n in (info.name_ja, info.name_en) if n) or info.id
        lines.append(f"study / 調査: {name} ({len(report.study.scenarios)} scenarios)")
    lines.append(f"errors / エラー: {len(report.errors)}")
    lines += [f"  ✗ {p}" for p in report.errors]
    lines.append(f"warnings / 警告: {len(report.warnings)}")
    lines += [f"  ! {p}" for p in report.warnings]
    if report.errors:
        lines.append("result / 結果: fix the errors before simulating / エラーを直してください")
    elif report.warnings:
        lines.append("result / 結果: runs; read the warnings / 実行できます（警告を確認）")
    else:
        lines.append("result / 結果: ok / 問題ありません")
    return "\n".join(lines)


def run_check(file: Path) -> int:
    """Print the check of one study file; 2 when it has errors, else 0."""
    from simulation.checks import check_file

    report = check_file(file)
    typer.echo(render_check(report))
    return 2 if report.errors else 0


def register(app: typer.Typer) -> None:
    """Add the ``check`` command."""

    @app.command("check", short_help="Check a study file (TOML or xlsx): errors and warnings.")
    def check(
        file: Annotated[Path, typer.Argument(help="Study file (.toml or .xlsx).")],
    ) -> None:
        """List every error and warning of a study file with its place (検査のみ、実行しない)."""
        code = run_check(file)
        if code:
            # SystemExit: cli.main runs the app with standalone_mode=False (see validate)
            raise SystemExit(code)
