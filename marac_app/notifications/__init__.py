"""In-app notifications and each person's choice of which also come by email (issue 15)."""
