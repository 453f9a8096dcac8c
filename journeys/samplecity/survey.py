"""The sample city's customer-journey survey (窓口体験調査): personas walked step by step.

Staff play preset personas (reference/FACTS.md "How a customer-journey survey is run") through
the as-is hall and again through the reform hall. Each step is what an observer writes down:
walking to a writing desk, writing forms (and how often name and address were written), walking
to the ticket machine and the counter, waiting, being served (or, at the one-stop counter,
answering the staff's questions and signing), paying and receiving. Walking follows the
scenario's floor, writing the catalog's ``writing_min``, service the catalog's service-time
models, and waiting is drawn from the waits the same counter shows in the scenario's ticket log
on ordinary days (the middle half of them: observers walk on a typical day) — so the survey
and the logs tell one story.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from journeys.samplecity.people import my_number_check_digit, observer_names
from journeys.samplecity.process import Leg, draw_service, plan_route, walk_metres
from journeys.samplecity.study_file import Counter, Point, SampleStudy, Scenario

__all__ = ["PERSONAS", "Persona", "SurveyRows", "survey_rows"]


@dataclass(frozen=True)
class Persona:
    """A preset persona: who they are, their life event and the procedures they need."""

    key: str
    label: str
    life_event: str
    procedures: tuple[str, ...]


PERSONAS: tuple[Persona, ...] = (
    Persona(
        "move_in_family",
        "転入する4人家族（夫婦・小学生・3歳児）",
        "move_in",
        (
            "tennyu",
            "mynumber_address",
            "kokuho_kanyu",
            "nenkin",
            "jido_teate",
            "kodomo_iryo",
            "hoikuen",
            "tengaku",
        ),
    ),
    Persona(
        "bereavement",
        "父を亡くした長女（60代）",
        "death",
        (
            "koseki_shomei",
            "juminhyo",
            "koki_koreisha",
            "sosai_hi",
            "nenkin",
            "kaigo_hoken",
            "zei_sozoku",
        ),
    ),
    Persona(
        "birth", "第1子が生まれた父親（30代）", "birth", ("shussei", "jido_teate", "kodomo_iryo")
    ),
    Persona(
        "elderly_move",
        "市内で転居する高齢夫婦（80代）",
        "move_within",
        ("tenkyo", "mynumber_address", "koki_koreisha", "kaigo_hoken"),
    ),
    Persona(
        "certificates",
        "住民票と印鑑証明が必要な会社員",
        "certificates",
        ("juminhyo", "inkan_shomei"),
    ),
    Persona(
        "foreign_resident",
        "就労のため転入した外国人住民（20代）",
        "foreign_move_in",
        ("tennyu", "zairyu_card", "kokuho_kanyu", "nenkin"),
    ),
    Persona(
        "marriage",
        "婚姻届を出す夫婦（20代）",
        "marriage",
        ("kon_in", "mynumber_address", "kokuho_kanyu"),
    ),
)

_CERTIFICATES = frozenset({"juminhyo", "inkan_shomei", "koseki_shomei", "shotoku_shomei"})
_CARDS = frozenset(
    {"mynumber_card", "kodomo_iryo", "jushogai_iryo", "koki_koreisha", "boshi_techo"}
)
#: Procedures whose paper form also asks for the person notifying (name and address twice).
_TWO_PERSONS = frozenset({"tennyu", "tenshutsu", "tenkyo", "shussei", "shibo", "kon_in"})
#: Forms where the as-is sheet asks residents to write their My Number by hand.
_MY_NUMBER_FORMS = frozenset({"tennyu", "kokuho_kanyu", "nenkin", "jido_teate"})


@dataclass
class SurveyRows:
    """Survey steps as canonical rows, with what only the paper sheet holds."""

    rows: list[dict[str, object]]
    observers: list[str]
    pain_texts: list[str | None]


def _wait_emotion(minutes: float) -> int:
    if minutes < 10.0:
        return 0
    return -1 if minutes < 30.0 else -2


def _typical_wait(sample: np.ndarray | None, rng: np.random.Generator) -> float:
    """A wait drawn from the middle half (25th–75th percentile) of a counter's ordinary waits."""
    if sample is None or sample.size == 0:
        return 0.0
    ordered = np.sort(sample)
    low, high = (
        int(0.25 * ordered.size),
        max(int(0.75 * ordered.size), int(0.25 * ordered.size) + 1),
    )
    return float(ordered[int(rng.integers(low, high))])


def _fake_my_number(rng: np.random.Generator) -> str:
    first11 = str(int(rng.integers(1, 10))) + "".join(
        str(int(d)) for d in rng.integers(10, size=10)
    )
    digits = first11 + str(my_number_check_digit(first11))
    return f"{digits[:4]} {digits[4:8]} {digits[8:]}"


class _Journey:
    """Collects the steps of one surveyed journey."""

    def __init__(
        self, out: SurveyRows, journey_id: str, phase: str, persona: Persona, observer: str
    ) -> None:
        self.out = out
        self.journey_id = journey_id
        self.phase = phase
        self.persona = persona
        self.observer = observer
        self.step = 0

    def add(
        self,
        touchpoint: str,
        action: str,
        minutes: float,
        *,
        forms: int = 0,
        fields: int = 0,
        emotion: int = 0,
        pain: str | None = None,
        category: str | None = None,
        sheet_pain: str | None = None,
    ) -> None:
        self.step += 1
        self.out.rows.append(
            {
                "journey_id": self.journey_id,
                "phase": self.phase,
                "persona": self.persona.label,
                "life_event": self.persona.life_event,
                "step": self.step,
                "touchpoint": touchpoint,
                "action": action,
                "minutes": round(max(minutes, 0.1), 1),
                "forms_written": forms,
                "fields_written": fields,
                "emotion": max(-2, min(2, emotion)),
                "pain_point": pain,
                "pain_category": category,
            }
        )
        self.out.observers.append(self.observer)
        self.out.pain_texts.append(sheet_pain if sheet_pain is not None else pain)


def _counter_for(scenario: Scenario, leg: Leg) -> Counter:
    need = set(leg.procedures)
    for counter in scenario.counters:
        if counter.kind == leg.kind and need <= counter.procedures:
            return counter
    return next(c for c in scenario.counters if leg.procedures[0] in c.procedures)


def _walk_journey(
    study: SampleStudy,
    scenario: Scenario,
    persona: Persona,
    journey: _Journey,
    waits: Mapping[str, np.ndarray],
    rng: np.random.Generator,
    *,
    with_my_number: bool,
) -> None:
    speed = scenario.walking_speed_m_per_min
    place: Point = scenario.entrance
    if scenario.flow == "one_stop" and scenario.floor_manager_staff > 0:
        journey.add(
            "フロアマネージャー（入口）",
            "consult",
            scenario.triage_min * float(rng.uniform(0.8, 1.6)),
            emotion=1,
        )
    fields_so_far = 0
    route = plan_route(study, scenario, persona.procedures)
    for departments_seen, leg in enumerate(route, start=1):
        counter = _counter_for(scenario, leg)
        procs = [study.procedure(pid) for pid in leg.procedures]
        if leg.forms > 0:
            fields = sum(p.forms + (1 if p.id in _TWO_PERSONS else 0) for p in procs)
            fields_so_far += fields
            where = "窓口で記入"
            if scenario.desks:
                desk_id, desk = min(
                    scenario.desks,
                    key=lambda d: walk_metres(scenario, place, d[1], forms=0),
                )
                metres = np.hypot(
                    place.x - desk.x, place.y - desk.y
                ) + scenario.floor_change_m * abs(place.floor - desk.floor)
                journey.add(f"記載台 {desk_id}", "walk", float(metres) / speed)
                place = desk
                where = f"記載台 {desk_id}"
            pain = sheet = None
            category = None
            if with_my_number and _MY_NUMBER_FORMS & set(leg.procedures):
                pain = "申請書に個人番号([個人番号])を手書きした。控えが手元に残らず不安"
                sheet = (
                    f"申請書に個人番号({_fake_my_number(rng)})を手書きした。控えが手元に残らず不安"
                )
                category = "記入"
            elif fields_so_far >= 3:
                pain = f"同じ氏名・住所をこれまでに{fields_so_far}回書いた"
                category = "記入"
            journey.add(
                where,
                "write",
                leg.writing_min * float(rng.uniform(0.8, 1.4)),
                forms=leg.forms,
                fields=fields,
                emotion=-2 if leg.forms >= 3 or fields_so_far >= 6 else -1,
                pain=pain,
                category=category,
                sheet_pain=sheet,
            )
        metres = walk_metres(scenario, place, counter.point, forms=0)
        changed_floor = place.floor != counter.point.floor
        journey.add(
            f"発券機→{counter.name_ja}",
            "walk",
            metres / speed + 0.3,
            emotion=-1 if changed_floor else 0,
            pain="別の階の窓口へ移動しなければならなかった" if changed_floor else None,
            category="動線" if changed_floor else None,
        )
        wait = _typical_wait(waits.get(counter.id), rng)
        long_wait = wait >= 20.0
        journey.add(
            counter.name_ja,
            "wait",
            wait,
            emotion=_wait_emotion(wait),
            pain=f"{counter.name_ja}で{wait:.0f}分待った" if long_wait else None,
            category="待ち" if long_wait else None,
        )
        if leg.kind == "one_stop":
            hearing = sum(
                draw_service(p.at_one_stop, rng) for p in procs if p.at_one_stop is not None
            )
            journey.add(counter.name_ja, "consult", hearing, emotion=1)
            journey.add(
                counter.name_ja,
                "serve",
                sum(p.sign_only_min for p in procs),
                fields=1,
                emotion=1,
            )
        else:
            service = sum(draw_service(p.by_department, rng) for p in procs)
            pain = category = None
            if persona.life_event == "death" and departments_seen >= 2:
                pain, category = "課ごとに同じ事情を最初から説明し直した", "説明"
            elif persona.life_event == "foreign_move_in" and departments_seen == 1:
                pain, category = "日本語だけの説明で内容がよく分からなかった", "言語"
            elif departments_seen == 1 and len(route) > 2:
                pain, category = "次にどの窓口へ行けばよいか分からなかった", "案内"
            journey.add(
                counter.name_ja,
                "serve",
                service,
                emotion=-1 if pain else 0,
                pain=pain,
                category=category,
            )
        if _CERTIFICATES & set(leg.procedures):
            journey.add(counter.name_ja, "pay", float(rng.uniform(0.5, 1.5)))
        if (_CERTIFICATES | _CARDS) & set(leg.procedures):
            journey.add(counter.name_ja, "receive", float(rng.uniform(0.3, 1.0)), emotion=1)
        place = counter.point
    metres = np.hypot(place.x - scenario.entrance.x, place.y - scenario.entrance.y) + (
        scenario.floor_change_m * abs(place.floor - scenario.entrance.floor)
    )
    journey.add("出口", "walk", float(metres) / speed)


def survey_rows(
    study: SampleStudy,
    waits: Mapping[str, Mapping[str, np.ndarray]],
    rng: np.random.Generator,
    *,
    runs: int = 2,
    phases: tuple[str, ...] = ("as_is", "reform"),
) -> SurveyRows:
    """Every persona walked ``runs`` times through each phase's hall, step by step.

    ``waits[phase][counter_id]`` holds the waits (minutes) that counter shows in the phase's
    ticket log on ordinary days; each wait step draws one of them.
    """
    out = SurveyRows(rows=[], observers=[], pain_texts=[])
    observers = observer_names(4, rng)
    catalog = {p.id for p in study.procedures}
    number = 0
    for phase in phases:
        scenario = study.scenario(phase)
        code = "A" if phase == "as_is" else "R"
        for run in range(runs):
            for listed in PERSONAS:
                known = tuple(pid for pid in listed.procedures if pid in catalog)
                if not known:
                    continue
                persona = Persona(listed.key, listed.label, listed.life_event, known)
                number += 1
                journey = _Journey(
                    out,
                    f"{code}{run + 1}-{persona.key}",
                    phase,
                    persona,
                    observers[(number + run) % len(observers)],
                )
                _walk_journey(
                    study,
                    scenario,
                    persona,
                    journey,
                    waits.get(phase, {}),
                    rng,
                    with_my_number=phase == "as_is" and run == 0,
                )
    return out
