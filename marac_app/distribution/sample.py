"""Fictional minutes documents for the benchmark, tests and demos (no real people or places).

The minutes data model does not exist yet, so these build the ``MinutesDocument`` dataclasses
directly; once the minutes feature has a DB-backed builder, the benchmark can switch to it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from marac_app.minutes.document import (
    Acknowledgement,
    ActionLine,
    Apology,
    CaseSection,
    Entry,
    MinutesDocument,
    Observer,
    Present,
    RiskSummary,
    SubjectSection,
)

AGENCIES = (
    "Cambridgeshire Constabulary",
    "Independent Domestic Violence Advisor service",
    "Children's Social Care",
    "Adult Social Care",
    "Probation Service",
    "Housing Options",
    "Community Mental Health Team",
    "Drug and Alcohol Service",
)

FACTS = (
    "<p>Police attended the address on {d} following a 999 call from a neighbour reporting "
    "shouting and a door being kicked. The officer recorded a <strong>DASH score of 17</strong> "
    "and the victim disclosed strangulation on a previous occasion.</p>",
    "<p>Housing confirmed the tenancy is in joint names. A management transfer application was "
    "received on {d} and is being assessed as a priority.</p>",
    "<p>The GP practice records two attendances in the last month with injuries described as "
    "accidental. A safeguarding flag has been added to the record.</p>",
    "<p>Probation reports the perpetrator is on licence until next year with an exclusion zone "
    "covering the victim's street; no breach has been recorded.</p>",
    "<p>The school reports the eldest child's attendance has fallen to 71% this term and the "
    "child has disclosed being frightened at home.</p>",
)
OPINIONS = (
    "<p>In my professional opinion the risk is escalating: the frequency of incidents has "
    "increased and the separation is recent.</p>",
    "<p>The service considers the victim's engagement fragile; contact should be made through "
    "the safe number only and never by letter.</p>",
    "<p>We believe the perpetrator's alcohol use is a significant contributing factor and that "
    "a referral to the perpetrator programme would be appropriate.</p>",
)


def _entries(
    case_no: int, start: int, count: int, pool: tuple[str, ...], when: datetime, victim: str
) -> tuple[Entry, ...]:
    out = []
    for i in range(count):
        text = pool[(case_no + start + i) % len(pool)].format(d=f"{(i % 27) + 1} February")
        out.append(
            Entry(
                agency=AGENCIES[(case_no + start + i) % len(AGENCIES)],
                text_html=text.replace("the victim", victim, 1),
                author=f"Officer {chr(65 + (i % 26))}. Example",
                time=when + timedelta(minutes=i),
            )
        )
    return tuple(out)


def sample_minutes(
    cases: int = 30,
    entries_per_case: int = 10,
    actions_per_case: int = 5,
    *,
    area: str = "Cambridge",
    victim_prefix: str = "Alexandra Testperson",
) -> MinutesDocument:
    """A meeting with ``cases`` cases, each with ``entries_per_case`` entries (facts and opinions
    spread over the four subjects plus one victim's-view entry) and ``actions_per_case`` actions.

    Victim names appear only in entry text, so tests can prove they never reach the metadata.
    """
    meeting_date = date(2026, 3, 3)
    start = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    subjects = ("Victim", "Perpetrator", "Children and vulnerable adults", "Household")
    case_sections = []
    for c in range(cases):
        ref = f"CAM-2026-{c + 1:04d}"
        victim = f"{victim_prefix} {c + 1}"
        per_subject = max(entries_per_case - 1, 0)
        subject_sections = []
        used = 0
        for s, label in enumerate(subjects):
            share = per_subject // len(subjects) + (1 if s < per_subject % len(subjects) else 0)
            n_facts = (share + 1) // 2
            n_opinions = share - n_facts
            subject_sections.append(
                SubjectSection(
                    subject=label,
                    facts=_entries(c, used, n_facts, FACTS, start, victim),
                    opinions=_entries(c, used + n_facts, n_opinions, OPINIONS, start, victim),
                )
            )
            used += share
        view = (
            (
                Entry(
                    agency=AGENCIES[1],
                    author="IDVA",
                    text_html=f"<p>{victim} wants to stay in the area near family and supports "
                    "a non-molestation order but does not want police contact at "
                    "work.</p>",
                ),
            )
            if entries_per_case
            else ()
        )
        actions = tuple(
            ActionLine(
                case_reference=ref,
                agency=AGENCIES[(c + a) % len(AGENCIES)],
                description=f"Action {a + 1} for {ref}: complete a safety review, share the "
                "outcome with the IDVA and update the flag on the record.",
                due_date=meeting_date + timedelta(days=7 * (a + 1)),
                status="Open",
            )
            for a in range(actions_per_case)
        )
        case_sections.append(
            CaseSection(
                reference=ref,
                criterion="Visible high risk (DASH 14 or more)"
                if c % 3
                else "Professional judgement",
                subjects=tuple(subject_sections),
                victim_view=view,
                risk_summary=RiskSummary(
                    harm=(
                        "High risk of serious harm from the ex-partner, "
                        "escalating since separation."
                    ),
                    contributing="Recent separation, alcohol misuse, child contact arrangements.",
                    protective="Engaged with the IDVA; supportive family nearby; exclusion zone.",
                ),
                actions=actions,
            )
        )
    return MinutesDocument(
        area_name=area,
        meeting_title=f"{area} MARAC",
        meeting_date=meeting_date,
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        venue="Room 2, Example House, Cambridge",
        chair_name="Detective Inspector Sam Chairperson",
        minutes_version=1,
        approved_at=start + timedelta(days=2),
        statement_version=3,
        statement_text=(
            "Information shared at this MARAC is confidential and is shared only to protect "
            "people at risk. It must not be passed on without the agreement of the agency that "
            "shared it, except to prevent serious harm."
        ),
        acknowledgements=tuple(
            Acknowledgement(
                name=f"Representative {i + 1}",
                agency=agency,
                when=start - timedelta(minutes=5),
                how="In the room",
            )
            for i, agency in enumerate(AGENCIES)
        ),
        present=tuple(
            Present(name=f"Representative {i + 1}", agency=agency)
            for i, agency in enumerate(AGENCIES)
        ),
        apologies=(
            Apology(name="Health visitor lead", agency="Health Visiting", information_sent=True),
            Apology(name="Education safeguarding lead", agency="Education", information_sent=False),
        ),
        observers=(Observer(name="Student social worker", organisation="Example University"),),
        outstanding_actions=tuple(
            ActionLine(
                case_reference=f"CAM-2025-{i + 90:04d}",
                agency=AGENCIES[i % 8],
                description="Confirm the outcome of the housing transfer request.",
                due_date=meeting_date - timedelta(days=3),
                status="Overdue",
            )
            for i in range(4)
        ),
        cases=tuple(case_sections),
    )
