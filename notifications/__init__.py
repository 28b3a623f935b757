"""Mail notifications: rendering work-order templates and delivering them over SMTP."""
