"""End-to-end journeys in headless Chromium against the app served on 127.0.0.1 by the test."""
