"""User administration: admins list, inspect, promote, demote and deactivate users."""
