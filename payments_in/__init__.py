"""Money in from the bank: bank files (OCR Giro, camt.053/054, X12 835) matched by payment reference."""
