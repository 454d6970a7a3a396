"""Referrals, cases, risk checklists, repeat detection and case lists."""
