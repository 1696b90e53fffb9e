"""The made-up world of the scale data: the price list, names, channels, complaint words and the shares."""

import random
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from invoices.models import LedgerEntry
from patient_collections.models import CollectionCase

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
CHUNK = 5000  # invoices generated and written per round: bounds memory at any N
OVERDUE_SHARE = 0.15
DISPUTED_SHARE = 0.02
HISTORY_LAG_DAYS = 7  # reminders are simulated up to a week ago: today's sweep has a week of due notices
HEAVY_PATIENT_INVOICES = 50
OPEN_COMPLAINT_DAYS = 30  # complaints received this recently are still open
CASE_DECISIONS = (
    CollectionCase.Status.AGENCY,
    CollectionCase.Status.CONCILIATION,
    CollectionCase.Status.WITHDRAWN,
)  # one patient with a long history, for the account page

Kind = LedgerEntry.Kind

# (code, description, price, who may cover it besides the patient)
CATALOGUE: tuple[tuple[str, str, Decimal, str], ...] = (
    ("2ad", "Consultation with a general practitioner", Decimal("183.00"), "exemption_card"),
    ("2cd", "Specialist consultation", Decimal("1250.00"), "insurer"),
    ("701a", "Blood test (sample sent to the laboratory)", Decimal("62.00"), "exemption_card"),
    ("MAT", "Dressing materials", Decimal("85.00"), ""),
    ("L1", "Medical certificate", Decimal("450.00"), ""),
    ("KOPI", "Copy of medical records", Decimal("95.00"), ""),
    ("EKG", "Electrocardiogram (ECG)", Decimal("230.00"), "insurer"),
    ("RTG", "X-ray, one region", Decimal("640.00"), "insurer"),
    ("IM", "No-show fee", Decimal("383.00"), ""),
)
LINE_COUNT_WEIGHTS = (30, 28, 18, 12, 7, 5)  # 1..6 lines

FIRST_NAMES = {
    "nb": ("Kari", "Ola", "Ingrid", "Lars", "Sigrid", "Nils", "Astrid", "Per", "Marit", "Knut"),
    "en": ("Emma", "James", "Olivia", "Oliver", "Amelia", "Harry", "Isla", "Jack", "Grace", "Noah"),
    "fr": ("Claire", "Louis", "Camille", "Hugo", "Léa", "Jules", "Chloé", "Arthur", "Manon", "Paul"),
    "pt": ("Ana", "João", "Beatriz", "Pedro", "Mariana", "Tiago", "Inês", "Rui", "Sofia", "Miguel"),
    "ru": ("Anna", "Ivan", "Olga", "Dmitri", "Elena", "Sergei", "Natalia", "Pavel", "Irina", "Alexei"),
}
LAST_NAMES = {
    "nb": ("Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen"),
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"),
    "pt": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins"),
    "ru": ("Ivanov", "Smirnova", "Kuznetsov", "Popova", "Vasiliev", "Petrova", "Sokolov", "Mikhailova"),
}
CHANNEL_WEIGHTS = (("letter", 30), ("email", 35), ("sms", 15), ("portal", 15), ("phone", 5))
COMPLAINT_CATEGORIES = (
    ("billing_error", 20),
    ("coverage_misunderstanding", 20),
    ("cannot_pay", 18),
    ("invoice_question", 12),
    ("partial_payment", 10),
    ("insurance", 8),
    ("service_incident", 7),
    ("care_quality", 5),
)
COMPLAINT_WORDS = {
    "billing_error": "I was charged twice for the same blood test.",
    "coverage_misunderstanding": "I have an exemption card, why is there anything to pay?",
    "cannot_pay": "I lost my job last month and cannot pay this now.",
    "invoice_question": "I do not understand what this invoice is for.",
    "partial_payment": "I paid at the desk already, the lab charge came later.",
    "insurance": "My insurer should have paid the specialist.",
    "service_incident": "The receptionist was rude to me on the phone.",
    "care_quality": "The doctor hardly listened and I had to come back.",
}


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def weighted(rng: random.Random, pairs: Sequence[tuple[str, int]]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]
