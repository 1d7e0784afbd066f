"""Hireloop: recruiter and hiring-manager collaboration beside the company's ATS."""
