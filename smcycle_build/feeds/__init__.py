"""What a build writes besides pages: iCal feeds, CSV and JSON schedules, tool exports."""
