"""World presets: which organisations exist and how many people work in each.

Sizes are deterministic (quantiles of a log-normal distribution, rescaled to the published total),
so a world is the same for every seed; only the people inside it are drawn at random.

Sources
- State: Statskontoret, *Myndigheterna under regeringen*: 340 agencies on 1 Jan 2019;
  226 000–262 000 FTE 2019–2025; 278 015 employed people 2022 (we use 270 000 staff). More than
  40 % of agencies have fewer than 50 FTE (Statskontoret 2019).
- Municipalities and regions: SKR (Sveriges Kommuner och Regioner), *Personalen i välfärden* 2021:
  290 municipalities with ~875 000 employees, 21 regions with ~300 000 employees.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from .params import ParameterError

# Kinds of organisation (codes used in arrays)
STATE_AGENCY, MUNICIPALITY, REGION = 0, 1, 2
KIND_NAMES = {STATE_AGENCY: "state agency", MUNICIPALITY: "municipality", REGION: "region"}

STATE_AGENCIES = 340  # Statskontoret, 1 Jan 2019
STATE_STAFF = 270_000  # Statskontoret: 278 015 people 2022; 226–262 k FTE 2019–2025
STATE_SIGMA = 2.3  # log-normal spread chosen so that > 40 % of agencies have < 50 staff
LARGEST_AGENCY = 35_000  # Polismyndigheten, the largest agency, ~35 000 employees (2022)
MUNICIPALITIES = 290  # SKR
MUNICIPAL_STAFF = 875_000  # SKR 2021
MUNICIPAL_SIGMA = 1.0  # spread: Stockholm ~45 000 staff, the smallest a few hundred
REGIONS = 21  # SKR
REGIONAL_STAFF = 300_000  # SKR 2021
REGIONAL_SIGMA = 0.8  # Region Stockholm ~47 000, the smallest ~2 000
MIN_ORG_SIZE = 5  # the smallest agencies have a handful of staff

# Kind multipliers on sector risk: health care (regions) and social services (municipalities)
# carry more operational risk than the average state agency (assumption, documented in ODD).
KIND_RISK = {STATE_AGENCY: 1.0, MUNICIPALITY: 1.2, REGION: 1.5}

TEACHING_SIZES = (8, 12, 15, 20, 25, 30, 35, 45, 50, 60)  # 300 staff, a classroom miniature
TEACHING_NAMES = (
    "Kulturrådet Mini",
    "Skolverket Mini",
    "Naturvårdsverket Mini",
    "Tullverket Mini",
    "Lantmäteriet Mini",
    "Kronofogden Mini",
    "Migrationsverket Mini",
    "Skatteverket Mini",
    "Försäkringskassan Mini",
    "Polisen Mini",
)

WORLDS = ("teaching", "state", "public-sector")


@dataclass(frozen=True)
class World:
    """A world at a given scale: organisations with their kind and head count."""

    name: str
    scale: float
    sizes: np.ndarray  # staff per organisation at this scale (int64)
    kinds: np.ndarray  # STATE_AGENCY / MUNICIPALITY / REGION (int8)
    names: tuple[str, ...]
    full_staff: int  # head count the world stands for at scale 1

    @property
    def staff(self) -> int:
        return int(self.sizes.sum())

    @property
    def national_fraction(self) -> float:
        """Model staff as a share of the real system it stands for (for national MSEK budgets)."""
        return self.staff / self.full_staff


def lognormal_sizes(
    n: int, total: int, sigma: float, minimum: int = MIN_ORG_SIZE, maximum: int | None = None
) -> np.ndarray:
    """`n` heavy-tailed sizes summing to `total`: log-normal quantiles, at least `minimum` each,
    at most `maximum` (the excess of capped ones is shared out over the others in proportion)."""
    q = norm.ppf((np.arange(n) + 0.5) / n)
    shape = np.exp(sigma * q)
    sizes = minimum + shape / shape.sum() * (total - minimum * n)
    capped = np.zeros(n, dtype=bool)
    while maximum is not None and (sizes > maximum + 0.5).any():
        capped |= sizes > maximum
        sizes[capped] = maximum
        free = ~capped
        rest = total - sizes[capped].sum()
        sizes[free] = (
            minimum
            + (sizes[free] - minimum)
            * (rest - minimum * free.sum())
            / (sizes[free] - minimum).sum()
        )
    sizes = np.round(sizes).astype(np.int64)
    largest_free = np.flatnonzero(sizes < (maximum or np.inf))[-1]
    sizes[largest_free] += total - sizes.sum()  # exact total, on the largest uncapped
    return sizes[::-1].copy()  # largest first


def _scaled(sizes: np.ndarray, scale: float) -> np.ndarray:
    return np.maximum(1, np.round(sizes * scale)).astype(np.int64)


def build_world(name: str, scale: float = 1.0) -> World:
    """Build the `teaching`, `state` or `public-sector` world at `scale` (1 = one agent per person)."""
    if name not in WORLDS:
        import difflib

        close = difflib.get_close_matches(str(name), WORLDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"world {name!r} is unknown{hint}; allowed: {', '.join(WORLDS)}")
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (0 < scale <= 1):
        raise ParameterError(f"scale {scale!r} is not allowed; allowed is a number in (0, 1]")
    if name == "teaching":
        sizes = _scaled(np.array(TEACHING_SIZES, dtype=np.int64), scale)
        kinds = np.zeros(len(sizes), dtype=np.int8)
        return World(name, scale, sizes, kinds, TEACHING_NAMES, STATE_STAFF)
    state = lognormal_sizes(STATE_AGENCIES, STATE_STAFF, STATE_SIGMA, maximum=LARGEST_AGENCY)
    parts = [state]
    kinds = [np.full(STATE_AGENCIES, STATE_AGENCY, dtype=np.int8)]
    names = [f"Myndighet {i + 1}" for i in range(STATE_AGENCIES)]
    full = STATE_STAFF
    if name == "public-sector":
        parts += [
            lognormal_sizes(MUNICIPALITIES, MUNICIPAL_STAFF, MUNICIPAL_SIGMA),
            lognormal_sizes(REGIONS, REGIONAL_STAFF, REGIONAL_SIGMA),
        ]
        kinds += [
            np.full(MUNICIPALITIES, MUNICIPALITY, dtype=np.int8),
            np.full(REGIONS, REGION, dtype=np.int8),
        ]
        names += [f"Kommun {i + 1}" for i in range(MUNICIPALITIES)]
        names += [f"Region {i + 1}" for i in range(REGIONS)]
        full += MUNICIPAL_STAFF + REGIONAL_STAFF
    sizes = _scaled(np.concatenate(parts), scale)
    return World(name, float(scale), sizes, np.concatenate(kinds), tuple(names), full)
