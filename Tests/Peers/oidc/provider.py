#!/usr/bin/env python3
"""A real OpenID provider for Neuvo's tests: django-oidc-provider on 127.0.0.1.

    python3 provider.py PORT FOLDER REDIRECT_URI [--id-token-seconds N]

Sets up, in FOLDER (a fresh temporary folder): a SQLite database, one RS256 signing key, one test user
("resident", password "correct horse battery staple") and one confidential client "neuvo" (secret "neuvo-secret")
for REDIRECT_URI, consent not asked. The issuer is http://127.0.0.1:PORT/openid. ID tokens carry the Suomi.fi-style
acr "http://ftn.ficora.fi/2017/loa3" and the test user's personal identity code in "hetu"; a second user, "staff" (the
same password), is a city employee whose tokens carry "neuvo_roles" and "name" instead. Test peer only.
"""
import argparse
import os
import sys

import django
from django.conf import settings

HERE = os.path.dirname(os.path.abspath(__file__))
USER, PASSWORD = "resident", "correct horse battery staple"
CLIENT_ID, CLIENT_SECRET = "neuvo", "neuvo-secret"
HETU = "131052-308T"
STAFF_USER, STAFF_NAME = "staff", "Sanna Henkilöstö"
ACR = "http://ftn.ficora.fi/2017/loa3"


def id_token_hook(id_token, user=None, **kwargs):
    id_token["acr"] = ACR
    if user is not None and user.username == STAFF_USER:
        # A city employee: Neuvo's staff console takes the roles from this claim (staff.roles_claim).
        id_token["neuvo_roles"] = "editor publisher"
        id_token["name"] = STAFF_NAME
    else:
        id_token["hetu"] = HETU
    return id_token


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("port", type=int)
    parser.add_argument("folder")
    parser.add_argument("redirect_uri")
    parser.add_argument("--id-token-seconds", type=int, default=600)
    args = parser.parse_args()
    site = "http://127.0.0.1:%d" % args.port
    settings.configure(
        DEBUG=False,
        SECRET_KEY="test-only-not-a-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF="urls",
        INSTALLED_APPS=[
            "django.contrib.auth", "django.contrib.contenttypes", "django.contrib.sessions", "oidc_provider",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.middleware.csrf.CsrfViewMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        TEMPLATES=[{
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [os.path.join(HERE, "templates")],
            "APP_DIRS": True,
            "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
        }],
        DATABASES={"default": {
            "ENGINE": "django.db.backends.sqlite3", "NAME": os.path.join(args.folder, "op.db"),
            "OPTIONS": {"timeout": 20},
        }},
        USE_TZ=True,
        LOGIN_URL="/accounts/login/",
        SITE_URL=site,
        OIDC_IDTOKEN_EXPIRE=args.id_token_seconds,
        OIDC_IDTOKEN_PROCESSING_HOOK="__main__.id_token_hook",
        OIDC_SKIP_CONSENT_EXPIRE=1,
    )
    sys.path.insert(0, HERE)
    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from oidc_provider.models import Client, ResponseType

    call_command("migrate", verbosity=0)
    call_command("creatersakey")
    User.objects.create_user(USER, password=PASSWORD)
    User.objects.create_user(STAFF_USER, password=PASSWORD)
    client = Client.objects.create(
        name="Neuvo", client_type="confidential", client_id=CLIENT_ID, client_secret=CLIENT_SECRET, jwt_alg="RS256",
        require_consent=False, reuse_consent=True)
    client.redirect_uris = [args.redirect_uri]
    client.scope = ["openid"]
    client.save()
    client.response_types.add(ResponseType.objects.get(value="code"))
    call_command("runserver", "127.0.0.1:%d" % args.port, use_reloader=False, use_threading=True, verbosity=0)


if __name__ == "__main__":
    main()
