"""JSON API v1 (``/api/v1``) for document-management systems (eOffice) and other integrations.

Bearer-token authentication (``flask users token EMAIL``, revocable on the profile page), the same
permission table and the same services as the web pages; described by the OpenAPI document served
at ``/api/v1/openapi.json`` (:mod:`app.api.openapi`), which is also what validates every request.
"""
