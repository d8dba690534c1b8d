"""The demo city of Riverside: its areas, its residents and the council's staff.

Every staff member has one role (see ``civicportal.accounts.roles``) and two-factor
authentication already set up with the shared demo secret, plus recovery codes. The
platform's roles are held by the people named here; the modules name theirs in their own
``demo.py`` (``demo.register_staff``).
"""

from __future__ import annotations

import random
import unicodedata
from datetime import timedelta

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group

from civicportal.accounts import roles
from civicportal.accounts.models import Area
from civicportal.core import demo

# Two rows of four neighbourhoods, west to east; the river runs between the rows.
AREAS = [
    ("southmead", "Southmead", "Family homes and allotments on the south-western edge."),
    ("old-town", "Old Town", "The medieval centre: market square, town hall and library."),
    ("harbourside", "Harbourside", "Old warehouses turned into flats beside the marina."),
    ("eastgate", "Eastgate", "The retail park, the bus depot and the new housing estate."),
    ("westhill", "Westhill", "Hillside terraces with the best views over the river."),
    ("northfield", "Northfield", "The college campus, the hospital and student housing."),
    ("millbrook", "Millbrook", "A former mill village with a primary school and a green."),
    ("riverside-park", "Riverside Park", "The riverside walk, the lido and sports grounds."),
]
GRID_COLUMNS, GRID_ROWS = 4, 2
# South-west corner of the made-up city and the size of one neighbourhood (about 2 km).
ORIGIN_LON, ORIGIN_LAT = -1.9420, 52.0875
CELL_LON, CELL_LAT = 0.0290, 0.0180

RESIDENTS = [
    ("Anna", "Kowalski", "en"), ("Guðrún", "Jónsdóttir", "is"), ("Ben", "Adeyemi", "en"),
    ("Chloe", "Harper", "en"), ("Ólafur", "Einarsson", "is"), ("Daniel", "Osei", "en"),
    ("Elín", "Magnúsdóttir", "is"), ("Finn", "Gallagher", "en"), ("Hannah", "Lindqvist", "en"),
    ("Ísak", "Þórsson", "is"), ("Jamal", "Rahman", "en"), ("Katrín", "Sigurðardóttir", "is"),
    ("Liam", "O'Connor", "en"), ("María", "Guðmundsdóttir", "is"), ("Noah", "Patel", "en"),
    ("Olivia", "Brennan", "en"), ("Priya", "Sharma", "en"), ("Ragnar", "Halldórsson", "is"),
    ("Sophie", "Turner", "en"), ("Tomás", "Novak", "en"), ("Una", "Kristjánsdóttir", "is"),
    ("Victor", "Mensah", "en"), ("Wiktoria", "Nowak", "en"), ("Yusuf", "Demir", "en"),
    ("Zoe", "Fletcher", "en"), ("Arnar", "Björnsson", "is"), ("Bethany", "Cole", "en"),
    ("Carlos", "Mendes", "en"), ("Dagný", "Arnardóttir", "is"), ("Emma", "Whitaker", "en"),
    ("Fatima", "Haddad", "en"), ("George", "Ellis", "en"), ("Helga", "Stefánsdóttir", "is"),
    ("Ivan", "Petrov", "en"), ("Jessica", "Moore", "en"), ("Kári", "Gunnarsson", "is"),
    ("Lena", "Schmidt", "en"), ("Mohammed", "Ali", "en"), ("Nina", "Rossi", "en"),
    ("Oscar", "Reid", "en"),
]  # fmt: skip

demo.register_staff(roles.ADMINISTRATOR, local_part="admin", display_name="Sam Whitfield")
demo.register_staff(roles.MODERATOR, local_part="moderator", display_name="Maya Okafor")

_ASCII = str.maketrans({"ð": "d", "þ": "th", "æ": "ae", "ö": "o", "'": ""})


def email_for(local_part: str) -> str:
    """An ASCII address at the demo domain: ``Guðrún Jónsdóttir`` -> ``gudrun.jonsdottir@``."""
    local = unicodedata.normalize("NFKD", local_part.lower().translate(_ASCII))
    local = local.encode("ascii", "ignore").decode().replace(" ", ".")
    return f"{local}@{demo.DEMO_EMAIL_DOMAIN}"


def area_boundaries(seed: int = demo.RANDOM_SEED) -> dict[str, dict]:
    """GeoJSON polygons for the areas: a jittered grid, so neighbours share their borders.

    Each ring runs counter-clockwise (RFC 7946) through the four corners and the jittered
    middle of each side, and is closed; positions are [longitude, latitude].
    """
    rng = random.Random(seed)

    def jitter(scale: float) -> float:
        return rng.uniform(-0.18, 0.18) * scale

    corners = {
        (i, j): (
            ORIGIN_LON + i * CELL_LON + (jitter(CELL_LON) if 0 < i < GRID_COLUMNS else 0),
            ORIGIN_LAT + j * CELL_LAT + (jitter(CELL_LAT) if 0 < j < GRID_ROWS else 0),
        )
        for i in range(GRID_COLUMNS + 1)
        for j in range(GRID_ROWS + 1)
    }

    def midpoint(a: tuple[int, int], b: tuple[int, int]) -> tuple[float, float]:
        (lon_a, lat_a), (lon_b, lat_b) = corners[a], corners[b]
        return ((lon_a + lon_b) / 2 + jitter(CELL_LON), (lat_a + lat_b) / 2 + jitter(CELL_LAT))

    horizontal = {
        (i, j): midpoint((i, j), (i + 1, j))
        for i in range(GRID_COLUMNS)
        for j in range(GRID_ROWS + 1)
    }
    vertical = {
        (i, j): midpoint((i, j), (i, j + 1))
        for i in range(GRID_COLUMNS + 1)
        for j in range(GRID_ROWS)
    }
    boundaries = {}
    for index, (slug, _name, _description) in enumerate(AREAS):
        i, j = index % GRID_COLUMNS, index // GRID_COLUMNS
        ring = [
            corners[(i, j)],
            horizontal[(i, j)],
            corners[(i + 1, j)],
            vertical[(i + 1, j)],
            corners[(i + 1, j + 1)],
            horizontal[(i, j + 1)],
            corners[(i, j + 1)],
            vertical[(i, j)],
            corners[(i, j)],
        ]
        boundaries[slug] = {
            "type": "Polygon",
            "coordinates": [[[round(lon, 6), round(lat, 6)] for lon, lat in ring]],
        }
    return boundaries


def _seed_areas(ctx: demo.DemoContext) -> None:
    boundaries = area_boundaries()
    for slug, name, description in AREAS:
        area = Area.objects.filter(slug=slug).first() or Area.objects.filter(name=name).first()
        if area is None:
            area = Area(slug=slug, name=name, description=description, boundary=boundaries[slug])
            area.full_clean()
            area.save()
        ctx.areas.append(area)


def _ensure_user(ctx: demo.DemoContext, password_hash: str, email: str, **fields):
    """The account with this address, created with ``fields`` if missing (never changed)."""
    user_model = get_user_model()
    user = user_model.objects.filter(email__iexact=email).first()
    if user is None:
        user = user_model(email=email, password=password_hash, **fields)
        user.full_clean(exclude=["password"])
        user.save()
    address = EmailAddress.objects.filter(user=user, email__iexact=user.email).first()
    if address is None:
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    elif not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])
    return user


def _seed_residents(ctx: demo.DemoContext, password_hash: str) -> None:
    rng = random.Random(demo.RANDOM_SEED + 1)
    for index, (first, last, language) in enumerate(RESIDENTS):
        # Most residents use their full name; some prefer first name and initial.
        display_name = f"{first} {last[0]}." if index % 4 == 3 else f"{first} {last}"
        verified = index % 5 in (0, 1, 2)  # three in five have had their residency confirmed
        # Everyone joined before the oldest thing the modules seed (a budget process of
        # about seventy days, ideas of up to two months): no resident acts before joining.
        joined = ctx.now - timedelta(days=rng.randint(120, 700))
        user = _ensure_user(
            ctx,
            password_hash,
            email_for(f"{first} {last}"),
            display_name=display_name,
            preferred_language=language,
            home_area=ctx.areas[index % len(ctx.areas)],
            date_joined=joined,
            verified_at=joined + timedelta(days=rng.randint(1, 20)) if verified else None,
        )
        demo.history_backdate(user, user.date_joined)
        ctx.residents.append(user)
    for user in (ctx.residents[0], ctx.residents[3]):
        area = user.home_area.name if user.home_area else "no home area"
        status = "verified resident" if user.is_verified else "resident, not yet verified"
        ctx.resident_accounts.append(demo.DemoAccount(user.email, f"{status}, {area}"))
    ctx.resident_accounts.append(
        demo.DemoAccount(
            f"...and {len(ctx.residents) - 2} more",
            f"every one at {demo.DEMO_EMAIL_DOMAIN}, same password",
        )
    )


def _seed_staff(ctx: demo.DemoContext, password_hash: str) -> None:
    roles.ensure_role_groups()
    for member in demo.staff_members(list(roles.ROLES)):
        role = member.role
        is_administrator = role == roles.ADMINISTRATOR
        user = _ensure_user(
            ctx,
            password_hash,
            f"{member.local_part}@{demo.DEMO_EMAIL_DOMAIN}",
            display_name=member.display_name,
            is_staff=True,
            is_superuser=is_administrator,
            date_joined=ctx.now - timedelta(days=900),
        )
        demo.history_backdate(user, user.date_joined)
        user.groups.add(Group.objects.get(name=role))
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None:
            TOTP.activate(user, ctx.totp_secret)
            own_secret = False
        else:
            own_secret = decrypt(totp.data["secret"]) != ctx.totp_secret
        codes = RecoveryCodes.activate(user)
        ctx.staff[role] = user
        description = role + (" (superuser)" if is_administrator else "")
        if own_secret:
            description += "; has its own authenticator, the demo secret does not apply"
        if is_administrator:
            description += "; recovery codes: " + " ".join(codes.get_unused_codes()[:3])
        ctx.staff_accounts.append(demo.DemoAccount(user.email, description))


@demo.register("city", order=10)
def seed_city(ctx: demo.DemoContext) -> None:
    """Areas, about forty residents (most verified) and one staff member per role."""
    # One hash for every demo account: hashing forty-six passwords would take half a minute.
    password_hash = make_password(ctx.password)
    _seed_areas(ctx)
    _seed_residents(ctx, password_hash)
    _seed_staff(ctx, password_hash)
    verified = sum(1 for user in ctx.residents if user.is_verified)
    ctx.say(
        f"City: {len(ctx.areas)} areas, {len(ctx.residents)} residents ({verified} verified), "
        f"{len(ctx.staff)} staff with two-factor authentication."
    )
