"""What one graded exercise is (family, seed, its code spec) and the usage error for a file
that names exercises wrongly: the bottom layer that cases, stubs and the grader share."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from exercises.base import CodeSpec


class ExerciseError(ValueError):
    """The file does not say (or says wrongly) which exercise it answers: a usage error."""


@dataclass(frozen=True)
class Exercise:
    family: str
    seed: int
    spec: "CodeSpec"

    @property
    def function(self) -> str:
        return self.spec.function
