"""Business rules. Views call these; these never import views."""
