"""The default refusal-to-pay policy, from what real billing offices told us (issue 3).

Plain data: the data migration seeds it as policy version 1, adjusted for the jurisdiction profile's
small-claim threshold, and the office manager edits it from there.
"""

from decimal import Decimal

LISTEN = (
    'Let the patient speak without interrupting. Acknowledge the feeling: "That certainly sounds '
    'frustrating." Never argue and never tell them to calm down. '
)

DEFAULT_SETTINGS = {"approval_threshold": Decimal("1000.00"), "follow_up_days": 3}


def default_rules(small_claim_threshold: Decimal) -> list[dict[str, object]]:
    return [
        {
            "name": "Care or clinical complaint: the provider meets the patient",
            "categories": ["care_quality"],
            "route_to": "provider",
            "meeting_within_hours": 4,
            "proposal_kind": "write_off",
            "approval_role": "office_manager",
            "script": LISTEN + "Offer a meeting with the provider today, or a call from them as soon as possible. "
            "Say that the balance left after insurance may be written off, and what will be done so it "
            "does not happen again.",
        },
        {
            "name": "Service incident: the office manager meets the patient",
            "categories": ["service_incident"],
            "route_to": "office_manager",
            "meeting_within_hours": 24,
            "proposal_kind": "reduction",
            "proposal_percent": Decimal("50"),
            "approval_role": "office_manager",
            "script": LISTEN + "Apologise for the experience, invite the patient to meet the office manager "
            "(or offer a call), and say what will change.",
        },
        {
            "name": "Small billing error: credit the claim",
            "categories": ["billing_error"],
            "max_amount": small_claim_threshold,
            "route_to": "billing",
            "meeting_within_hours": 48,
            "proposal_kind": "small_claim_credit",
            "approval_role": "billing",
            "script": LISTEN + "Check the lines together. A small error is credited at once; confirm in writing.",
        },
        {
            "name": "Billing error: correct the bill",
            "categories": ["billing_error"],
            "route_to": "billing",
            "meeting_within_hours": 48,
            "proposal_kind": "reduction",
            "proposal_percent": Decimal("100"),
            "approval_role": "billing",
            "script": LISTEN + "Check the lines together; correct what is wrong and send a corrected statement.",
        },
        {
            "name": "Insurance not billed or billed wrongly: hold and re-bill",
            "categories": ["insurance"],
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "hold_for_insurance",
            "script": LISTEN + "Collections pause while billing sends or corrects the claim to the insurer. "
            "The patient pays only what is left after insurance.",
        },
        {
            "name": "Coverage misunderstanding: explain what the card or insurer covers",
            "categories": ["coverage_misunderstanding"],
            "route_to": "front_desk",
            "meeting_within_hours": 24,
            "proposal_kind": "explanation",
            "script": LISTEN + "Explain kindly: an exemption card (frikort) does not cover materials, "
            "certificates, copies of records or no-show fees; a terminal showing zero can mean the payment "
            "went through too fast. Show the line in question.",
        },
        {
            "name": "Partial payment: explain the separate charge",
            "categories": ["partial_payment"],
            "route_to": "front_desk",
            "meeting_within_hours": 24,
            "proposal_kind": "explanation",
            "script": LISTEN + "Explain that only the consultation was paid at the desk because the lab "
            "charge had not reached the terminal yet; show both lines.",
        },
        {
            "name": "What is this invoice for: the clinic answers, never collections",
            "categories": ["invoice_question"],
            "route_to": "provider",
            "meeting_within_hours": 72,
            "proposal_kind": "explanation",
            "script": "Collections pause. The provider's team explains the visit and each line in plain words.",
        },
        {
            "name": "Cannot pay now, larger balance: offer a payment plan",
            "categories": ["cannot_pay"],
            "min_amount": Decimal("1000.00"),
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "payment_plan",
            "script": "Thank the patient for telling us. Offer monthly instalments they can keep; no judgement.",
        },
        {
            "name": "Cannot pay now: offer a deferral",
            "categories": ["cannot_pay"],
            "route_to": "billing",
            "meeting_within_hours": 72,
            "proposal_kind": "deferral",
            "script": "Thank the patient for telling us. Offer to move the due date; agree a date they can keep.",
        },
    ]
