"""Model backends: small classes with one ``complete`` method (see ``base.Backend``)."""
