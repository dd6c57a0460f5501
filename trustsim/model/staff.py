"""The staff population: numpy arrays with one row per person, and their rules (ODD submodel 4).

No per-person Python loops: every rule is a vectorised expression over all staff, with workplace
and agency values broadcast by index (`wp`, `agency`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def effective_skill(competence: np.ndarray, digital: np.ndarray) -> np.ndarray:
    """Effective competence, 0–1: general and digital competence (C9)."""
    return 0.6 * competence + 0.4 * digital


def logit(u: np.ndarray) -> np.ndarray:
    """log(u / (1 - u)); u < logistic(z) exactly when logit(u) < z (no exp per person per step)."""
    with np.errstate(divide="ignore"):
        return np.log(u) - np.log1p(-u)


@dataclass
class StaffPopulation:
    """Staff arrays (length N = head count). Traits are drawn once; states move every quarter."""

    wp: np.ndarray  # workplace (manager unit) index, int64
    agency: np.ndarray  # agency index, int64
    motivation_base: np.ndarray  # intrinsic motivation before crowding out, 0–1
    competence: np.ndarray  # general competence, 0–1
    digital: np.ndarray  # digital competence, 0–1 (C9)
    perception: np.ndarray  # per-person perception threshold as a logit: logit(U(0, 1))
    autonomy: np.ndarray  # 0–1, granted by the manager within the agency's steering
    safety: np.ndarray  # psychological safety (Edmondson 1999), 0–1
    motivation: np.ndarray  # intrinsic motivation after crowding out, 0–1
    skill: np.ndarray  # effective competence 0.6 · competence + 0.4 · digital, kept up to date

    @classmethod
    def create(cls, wp: np.ndarray, agency: np.ndarray, rng: np.random.Generator):
        n = len(wp)
        motivation_base = rng.beta(6.0, 3.0, n)  # draw order fixed: same stream, same seed
        competence, digital = rng.beta(5.0, 5.0, n), rng.beta(4.0, 6.0, n)
        return cls(
            wp=wp,
            agency=agency,
            motivation_base=motivation_base,
            competence=competence,
            digital=digital,
            perception=logit(rng.random(n)),
            autonomy=np.zeros(n),
            safety=np.zeros(n),
            motivation=np.zeros(n),
            skill=effective_skill(competence, digital),
        )

    @property
    def size(self) -> int:
        return len(self.wp)

    def update(
        self,
        granted: np.ndarray,
        safety_target: np.ndarray,
        crowding: np.ndarray,
        autonomy_speed: float,
        safety_speed: float,
        first: bool = False,
    ) -> None:
        """Autonomy, safety and motivation move toward their workplace targets.

        autonomy_i += autonomy_speed · (granted_w · (0.7 + 0.6 · competence_i) - autonomy_i)
        safety_i   += safety_speed · (safety_target_w - safety_i)
        motivation_i = motivation_base_i · (1 - crowding_w)     (Frey & Jegen 2001)
        """
        target_a = np.minimum(1.0, granted[self.wp] * (0.7 + 0.6 * self.competence))
        target_s = safety_target[self.wp]
        if first:
            self.autonomy[:] = target_a
            self.safety[:] = target_s
        else:
            self.autonomy += autonomy_speed * (target_a - self.autonomy)
            self.safety += safety_speed * (target_s - self.safety)
        np.multiply(self.motivation_base, 1.0 - crowding[self.wp], out=self.motivation)

    def turnover(
        self,
        rate_per_quarter: float,
        rng: np.random.Generator,
        granted: np.ndarray,
        safety_target: np.ndarray,
    ) -> int:
        """Replace leavers by newcomers with fresh traits in the same workplace (head count kept).
        A newcomer starts at the autonomy her manager grants her and the workplace's safety."""
        leavers = np.flatnonzero(rng.random(self.size) < rate_per_quarter)
        k = len(leavers)
        if k:
            w = self.wp[leavers]
            self.motivation_base[leavers] = rng.beta(6.0, 3.0, k)
            self.competence[leavers] = rng.beta(5.0, 5.0, k)
            self.digital[leavers] = rng.beta(4.0, 6.0, k)
            self.perception[leavers] = logit(rng.random(k))
            self.skill[leavers] = effective_skill(self.competence[leavers], self.digital[leavers])
            self.autonomy[leavers] = np.minimum(
                1.0, granted[w] * (0.7 + 0.6 * self.competence[leavers])
            )
            self.safety[leavers] = safety_target[w]
        return k

    def train_digital(self, reach_per_quarter: float, gain: float, rng) -> None:
        """Digital competence programme (C9): d_i += gain · (1 - d_i) for those reached."""
        if reach_per_quarter <= 0:
            return
        hit = np.flatnonzero(rng.random(self.size) < reach_per_quarter)
        self.digital[hit] += gain * (1.0 - self.digital[hit])
        self.skill[hit] = effective_skill(self.competence[hit], self.digital[hit])
