"""Who may do what on the broker: one table of NATS users and their subject permissions.

Isolation of the partner departments is the broker's, not only the REST API's: a department's
system connects with its own user and the server itself refuses any subject outside
`relief.referral.<its department>.>`. Everything that runs a nats-server (the embedded run of
`make run`, the tests, compose) takes its users from `users()` here, so the permissions exist
in exactly one place and are derived from the event registry (who publishes what, which
durable consumers each service runs) rather than copied by hand.

Three kinds of user:

* one per service (`eligibility`, `benefit-calc`, …): publishes only the event subjects the
  registry says it publishes, manages only the suite's streams and its own durable consumers,
  acks only on those, and reads and writes the suite's key-value buckets (clock, calendar,
  region-pack reloads).
* one per partner department (`partner-<department>`): may create, bind, pull from and ack the
  single durable consumer `partner-<department>` on stream REFERRALS, whose filter is fixed to
  `relief.referral.<department>.>` by the permission itself (the server's create API carries the
  filter in its subject and refuses a config whose filter differs), and receives replies only on
  its own inbox prefix `_INBOX.partner-<department>`, so it cannot read other clients' replies.
  It publishes nothing else: no events, no stream or account requests.
* `ops`: subscribes to every subject for monitoring and may use the read-only JetStream API
  (stream and consumer info and lists, reading a stored message); it can change nothing.

Development passwords are `dev-<user>` (so `dev-partner-education`, `dev-ops`); production reads
them from the environment — see `server_config(…, passwords=ENV)` and the README.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from relief_shared.contract import REGISTRY, STREAMS
from relief_shared.contract.referral import DEPARTMENTS

SERVICES = ("eligibility", "benefit-calc", "approval", "means-check", "disbursement")
REFERRALS_STREAM = "REFERRALS"
# The key-value buckets every service follows (relief_shared.suite_state, pack_ops).
KV_BUCKETS = ("relief_suite_clock", "relief_calendar", "relief_region_packs")
OPS_USER = "ops"


@dataclass(frozen=True)
class User:
    name: str
    publish: tuple[str, ...]
    subscribe: tuple[str, ...]
    kind: str  # service | partner | ops | test
    inbox_prefix: str = "_INBOX"
    note: str = field(default="", compare=False)

    @property
    def dev_password(self) -> str:
        return f"dev-{self.name}"

    @property
    def password_env(self) -> str:
        """The environment variable a production nats-server reads this user's password from."""
        return "RELIEF_NATS_PASSWORD_" + self.name.upper().replace("-", "_")


def partner_user(department: str) -> str:
    return f"partner-{department}"


def partner_durable(department: str) -> str:
    """The one durable consumer a department may own on REFERRALS."""
    return partner_user(department)


def partner_subjects(department: str) -> str:
    return f"relief.referral.{department}.>"


def partner_inbox(department: str) -> str:
    """The inbox prefix a partner must connect with (nats-py: `inbox_prefix=`)."""
    return f"_INBOX.{partner_user(department)}"


def service_user(service: str) -> User:
    published = sorted({spec.subject for spec in REGISTRY.published_by(service)})
    streams = [*STREAMS, *(f"KV_{b}" for b in KV_BUCKETS)]
    api = ["$JS.API.INFO"]
    for stream in streams:
        api += [f"$JS.API.STREAM.INFO.{stream}", f"$JS.API.STREAM.CREATE.{stream}",
                f"$JS.API.STREAM.UPDATE.{stream}"]
    for bucket in KV_BUCKETS:
        kv = f"KV_{bucket}"
        api += [f"$KV.{bucket}.>", f"$JS.API.STREAM.MSG.GET.{kv}", f"$JS.API.DIRECT.GET.{kv}",
                f"$JS.API.DIRECT.GET.{kv}.>", f"$JS.API.CONSUMER.CREATE.{kv}", f"$JS.API.CONSUMER.CREATE.{kv}.>",
                f"$JS.API.CONSUMER.DELETE.{kv}.>", f"$JS.API.CONSUMER.INFO.{kv}.>", f"$JS.FC.{kv}.>"]
    for spec in sorted(REGISTRY.consumers.values(), key=lambda c: c.durable):
        if spec.service != service:
            continue
        s, d = spec.stream, spec.durable
        api += [f"$JS.API.CONSUMER.DURABLE.CREATE.{s}.{d}", f"$JS.API.CONSUMER.CREATE.{s}.{d}",
                f"$JS.API.CONSUMER.CREATE.{s}.{d}.>", f"$JS.API.CONSUMER.INFO.{s}.{d}",
                f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}", f"$JS.ACK.{s}.{d}.>"]
    return User(service, tuple(published + api), ("_INBOX.>", *(f"$KV.{b}.>" for b in KV_BUCKETS)), "service")


def partner(department: str) -> User:
    s, d = REFERRALS_STREAM, partner_durable(department)
    own = partner_subjects(department)
    publish = (f"$JS.API.CONSUMER.CREATE.{s}.{d}.{own}",  # create or update, with the filter fixed to its own
               f"$JS.API.CONSUMER.INFO.{s}.{d}",
               f"$JS.API.CONSUMER.DELETE.{s}.{d}",
               f"$JS.API.CONSUMER.MSG.NEXT.{s}.{d}",
               f"$JS.ACK.{s}.{d}.>")
    return User(partner_user(department), publish, (f"{partner_inbox(department)}.>", own), "partner",
                inbox_prefix=partner_inbox(department))


def ops() -> User:
    read_only_api = ("$JS.API.INFO", "$JS.API.STREAM.NAMES", "$JS.API.STREAM.LIST", "$JS.API.STREAM.INFO.*",
                     "$JS.API.STREAM.MSG.GET.*", "$JS.API.CONSUMER.NAMES.*", "$JS.API.CONSUMER.LIST.*",
                     "$JS.API.CONSUMER.INFO.*.*")
    return User(OPS_USER, read_only_api, (">",), "ops")


def users() -> list[User]:
    """Every user of a production broker (and of the embedded one)."""
    return [*(service_user(s) for s in SERVICES), *(partner(d) for d in DEPARTMENTS), ops()]


def test_harness() -> User:
    """Tests only (never in `users()`): the test plays whichever other party it needs."""
    return User("harness", (">",), (">",), "test")


def by_name(name: str, extra: Iterable[User] = ()) -> User:
    for user in [*users(), *extra]:
        if user.name == name:
            return user
    raise LookupError(f"no broker user {name!r}")


DEV: Callable[[User], str] = lambda user: json.dumps(user.dev_password)  # noqa: E731
ENV: Callable[[User], str] = lambda user: "$" + user.password_env  # noqa: E731 - nats-server reads the variable


def server_config(all_users: Iterable[User], *, passwords: Callable[[User], str] = DEV,
                  listen: str | None = None, store_dir: str | None = None, http_port: int | None = None) -> str:
    """A nats-server configuration file: JetStream and the users with their permissions."""
    lines = ["# Generated by relief_shared.broker — edit the table there, not this file.", ""]
    if listen:
        lines.append(f"listen: {json.dumps(listen)}")
    if http_port:
        lines.append(f"http_port: {http_port}")
    lines.append("jetstream {" + (f" store_dir: {json.dumps(store_dir)} " if store_dir else " ") + "}")
    lines += ["", "authorization {", "  users = ["]
    for user in all_users:
        lines.append(f"    {{user: {json.dumps(user.name)}, password: {passwords(user)}, permissions: {{")
        lines.append(f"      publish: {{allow: {json.dumps(list(user.publish))}}}")
        lines.append(f"      subscribe: {{allow: {json.dumps(list(user.subscribe))}}}")
        lines.append("    }}")
    lines += ["  ]", "}", ""]
    return "\n".join(lines)


def url_with(url: str, user: str, password: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{user}:{password}@{rest.rpartition('@')[2]}"


DEPLOY_CONFIG = Path("deploy/nats/nats.conf")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the nats-server configuration of the deployment "
                                                 "(passwords read from RELIEF_NATS_PASSWORD_<USER> by the server).")
    parser.add_argument("--root", type=Path, default=Path("."))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file differs from the table")
    args = parser.parse_args(argv)
    text = deploy_config()
    path = args.root / DEPLOY_CONFIG
    if args.check:
        return 0 if path.exists() and path.read_text() == text else 1
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path}", file=sys.stderr)
    return 0


def deploy_config() -> str:
    return server_config(users(), passwords=ENV, listen="0.0.0.0:4222", store_dir="/data", http_port=8222)


if __name__ == "__main__":
    sys.exit(main())
