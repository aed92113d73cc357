"""Customer communications: messages from templates per event and language, the customer's
contact preferences, e-mail out (SMTP) and in (an SMTP gateway to tickets), and SMS."""
