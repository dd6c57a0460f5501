"""World presets: which organisations exist and how many people work in each.

Sizes are deterministic (quantiles of a log-normal distribution, rescaled to the published total),
so a world is the same for every seed; only the people inside it are drawn at random.

Sources
- State: Statskontoret, *Myndigheterna under regeringen*: 340 agencies on 1 Jan 2019;
  226 000–262 000 FTE 2019–2025 (we use 270 000 staff). More than 40 % of agencies have fewer than
  50 FTE (Statskontoret 2019). Länsstyrelserna's mapping of state presence counts 278 015 state
  employees at 2 749 work sites of 220 agencies (a head count, not Statskontoret's FTE).
- Municipalities and regions: SKR (Sveriges Kommuner och Regioner), *Personalen i välfärden* 2021:
  290 municipalities with ~875 000 employees, 21 regions with ~300 000 employees. SKR's 21 regions
  include Region Gotland, which is one organisation: a municipality with a region's tasks, already
  among the 290. The world therefore has 290 municipalities and 20 regions; SKR's regional head
  count (which includes Gotland's regional tasks) is spread over the 20 (ODD §2).
- 1 445 000 (the public-sector world's head count) is a sum: 270 000 + 875 000 + 300 000.
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
REGIONS = 20  # SKR's 21 regions less Region Gotland, counted once, among the municipalities
REGIONAL_STAFF = 300_000  # SKR 2021
REGIONAL_SIGMA = 0.8  # Region Stockholm ~47 000, the smallest ~2 000
MIN_ORG_SIZE = 5  # the smallest agencies have a handful of staff


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


# The smallest scale at which a world is still represented (every organisation keeps at least one
# team of its real size; below this the largest organisations shrink to a handful of teams). The
# teaching world is already a miniature and always runs one to one.
MIN_SCALE = {"teaching": 1.0, "state": 0.01, "public-sector": 0.01}


@dataclass(frozen=True)
class World:
    """A world: organisations with their kind and real head count, and the scale it is modelled at.

    `sizes` are real head counts (scale 1). Scale shrinks the *number* of teams of an organisation,
    never their size (see `Teams`), and outputs are weighted back to real head counts.
    """

    name: str
    scale: float
    sizes: np.ndarray  # real staff per organisation (int64)
    kinds: np.ndarray  # STATE_AGENCY / MUNICIPALITY / REGION (int8)
    names: tuple[str, ...]
    full_staff: int  # head count of the national system the world stands for

    @property
    def staff(self) -> int:
        """Real head count of the organisations in the world."""
        return int(self.sizes.sum())

    @property
    def national_factor(self) -> float:
        """National head count per real head count of the world (1, or 900 for the teaching world)."""
        return self.full_staff / self.staff


@dataclass(frozen=True)
class Teams:
    """The modelled teams (workplaces) and work sites of a world at its scale.

    An organisation of S staff has n = ceil(S / span) real teams, of sizes floor(S/n) or ceil(S/n),
    grouped into ns = ceil(n / k) real work sites of k teams (the last one may have fewer). At scale
    s it is modelled by max(1, round(ns · s)) of its sites, chosen evenly among the real ones with
    their real teams, so scale shrinks the number of work sites, never their size or make-up. Each
    modelled person stands for weight = S / (staff of the modelled teams) real people of that
    organisation, and each modelled site for ns / (modelled sites) real sites.
    """

    org: np.ndarray  # organisation of each modelled team (int64), contiguous per organisation
    size: np.ndarray  # staff of each modelled team (int64)
    site: np.ndarray  # modelled work site of each team (int64), contiguous
    site_weight: np.ndarray  # real sites per modelled site, per modelled site
    org_weight: np.ndarray  # real staff per modelled staff, per organisation
    model_teams: np.ndarray  # modelled teams per organisation


def build_teams(world: World, span: int, teams_per_site: int | np.ndarray) -> Teams:
    """Teams of at most `span` staff in sites of `teams_per_site` teams (one number, or one per
    organisation), scaled (see `Teams`)."""
    sizes = world.sizes
    k_org = np.broadcast_to(np.asarray(teams_per_site, dtype=np.int64), sizes.shape)
    real = np.maximum(1, np.ceil(sizes / span)).astype(np.int64)
    real_sites = -(-real // k_org)
    model_sites = np.maximum(1, np.round(real_sites * world.scale)).astype(np.int64)
    site_org = np.repeat(np.arange(len(sizes)), model_sites)
    first = np.concatenate(([0], np.cumsum(model_sites)[:-1]))
    j = np.arange(len(site_org)) - first[site_org]  # modelled site index within its organisation
    real_site = ((j + 0.5) * real_sites[site_org] // model_sites[site_org]).astype(np.int64)
    # teams of a real site: k, except the organisation's last site, which has the rest
    k = k_org[site_org]
    n_teams = np.minimum(k, real[site_org] - real_site * k)
    org = np.repeat(site_org, n_teams)
    site = np.repeat(np.arange(len(site_org)), n_teams)
    site_first = np.concatenate(([0], np.cumsum(n_teams)[:-1]))
    real_team = real_site[site] * k[site] + (np.arange(len(org)) - site_first[site])
    base, extra = sizes[org] // real[org], sizes[org] % real[org]
    size = (base + (real_team < extra)).astype(np.int64)
    modelled_staff = np.bincount(org, weights=size, minlength=len(sizes))
    site_weight = (real_sites / model_sites)[site_org]
    model_teams = np.bincount(org, minlength=len(sizes))
    return Teams(org, size, site, site_weight, sizes / modelled_staff, model_teams)


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


def default_scale(world: str) -> float:
    """The scale a world runs at unless told otherwise: 1 for teaching, 0.1 otherwise."""
    return 1.0 if MIN_SCALE.get(world) == 1 else 0.1


def scale_problem(world: str, scale: object) -> str | None:
    """What is wrong with `scale` for `world` (None if it is allowed)."""
    low = MIN_SCALE[world]
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not (low <= scale <= 1):
        why = (
            "the teaching world is a miniature and always runs at scale 1"
            if low == 1
            else f"below {low:g} the {world} world is no longer represented (too few work sites)"
        )
        return (
            f"scale {scale!r} is not allowed for the {world} world; allowed is a number in "
            f"[{low:g}, 1] ({why})"
        )
    return None


def check_scale(world: str, scale: object) -> None:
    """Raise ParameterError if `scale` is not allowed for `world`."""
    problem = scale_problem(world, scale)
    if problem:
        raise ParameterError(problem)


def build_world(name: str, scale: float = 1.0) -> World:
    """Build the `teaching`, `state` or `public-sector` world at `scale` (1 = one agent per person;
    at least MIN_SCALE[name])."""
    if name not in WORLDS:
        import difflib

        close = difflib.get_close_matches(str(name), WORLDS, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ParameterError(f"world {name!r} is unknown{hint}; allowed: {', '.join(WORLDS)}")
    check_scale(name, scale)
    if name == "teaching":
        sizes = np.array(TEACHING_SIZES, dtype=np.int64)
        kinds = np.zeros(len(sizes), dtype=np.int8)
        return World(name, float(scale), sizes, kinds, TEACHING_NAMES, STATE_STAFF)
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
    sizes = np.concatenate(parts)
    return World(name, float(scale), sizes, np.concatenate(kinds), tuple(names), full)
