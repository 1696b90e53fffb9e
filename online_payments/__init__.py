"""Online payment of a bill through a payment provider's hosted page (Stripe Checkout first)."""
