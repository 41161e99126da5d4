"""Tests of the AdGuard Home and Pi-hole backend clients."""
