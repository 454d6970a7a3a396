"""The risk identification checklist as versioned data.

The DASH checklist is under national review, so its questions and its threshold are rows, not
code: a referral records the version it was scored against, and a new version (different
questions or threshold) is added as data without touching old referrals.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marac_app.db import Model, created_at, intpk


class RiskChecklistVersion(Model):
    """One version of the checklist, e.g. "DASH 2009" (24 questions, threshold 14).

    Only one version is ``active`` for new referrals at a time.
    """

    __tablename__ = "risk_checklist_version"

    id: Mapped[intpk]
    label: Mapped[str] = mapped_column(sa.String(60), unique=True)
    threshold: Mapped[int]
    active: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[created_at]

    questions: Mapped[list[RiskChecklistQuestion]] = relationship(
        back_populates="version", order_by="RiskChecklistQuestion.number"
    )

    def score(self, answers: dict[str, str]) -> int:
        """The number of "yes" answers to this version's questions (others are ignored)."""
        numbers = {str(q.number) for q in self.questions}
        return sum(
            1 for number, answer in answers.items() if str(number) in numbers and answer == "yes"
        )

    def is_visible_high_risk(self, score: int) -> bool:
        return score >= self.threshold


class RiskChecklistQuestion(Model):
    __tablename__ = "risk_checklist_question"

    id: Mapped[intpk]
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("risk_checklist_version.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    text: Mapped[str] = mapped_column(sa.String(500))

    version: Mapped[RiskChecklistVersion] = relationship(back_populates="questions")

    __table_args__ = (sa.UniqueConstraint("version_id", "number"),)


# The 24 questions of the 2009 DASH risk identification checklist, paraphrased plainly.
# Migration 0006 inserts them as the first version (threshold 14); kept here for tests and
# for the migration's data insert to share one list.
DASH_2009_QUESTIONS: tuple[str, ...] = (
    "Has the current incident resulted in an injury?",
    "Is the victim very frightened?",
    "Is the victim afraid of further injury or violence?",
    "Does the victim feel isolated from family or friends?",
    "Is the victim feeling depressed or having suicidal thoughts?",
    "Has the victim separated, or tried to separate, from the abuser in the past year?",
    "Is there conflict over contact with the children?",
    "Does the abuser constantly text, call, contact, follow, stalk or harass the victim?",
    "Is the victim pregnant, or have they had a baby in the last 18 months?",
    "Is the abuse happening more often?",
    "Is the abuse getting worse?",
    "Does the abuser try to control everything the victim does, or are they excessively jealous?",
    "Has the abuser ever used weapons or objects to hurt the victim?",
    "Has the abuser ever threatened to kill the victim or someone else, and the victim "
    "believed them?",
    "Has the abuser ever tried to strangle, choke, suffocate or drown the victim?",
    "Does the abuser do or say sexual things that make the victim feel bad or that hurt "
    "them or someone else?",
    "Is there anyone else who has threatened the victim or whom the victim is afraid of?",
    "Does the victim know whether the abuser has hurt anyone else?",
    "Has the abuser ever mistreated an animal or the family pet?",
    "Are there any financial issues, such as dependence on the abuser or recent job loss?",
    "Has the abuser had problems in the past year with drugs, alcohol or mental health that "
    "affect daily life?",
    "Has the abuser ever threatened or attempted suicide?",
    "Has the abuser ever broken bail, an injunction or an agreement about seeing the victim "
    "or the children?",
    "Does the victim know whether the abuser has ever been in trouble with the police or has "
    "a criminal history?",
)
DASH_2009_LABEL = "DASH 2009"
DASH_2009_THRESHOLD = 14
