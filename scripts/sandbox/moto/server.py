"""moto's server, plus the SSM call it lacks and one fix to SendCommand.

moto implements SSM SendCommand, ListCommands and GetCommandInvocation, but not
DescribeInstanceInformation, which is how a client learns that an instance's SSM
agent is registered ("Online"). moto's instances never boot, so there is no agent:
this plays its part. An EC2 instance that was launched with an IAM instance profile
is reported Online while it is running and ConnectionLost while it is stopped;
one without a profile never registers (as on AWS, where the agent cannot
authenticate without one).

moto also sends a command given only InstanceIds to every instance in the region
(it reads the empty Targets list as "no filter"); on AWS such a command reaches
the listed instances only, which is what this launcher makes moto do.

Every region of every account moto creates starts with moto's public AMI catalogue,
about 1,170 images in us-east-1, each with a snapshot, most of them ECS-optimized.
Every DescribeImages and DescribeSnapshots then filters all of them: 150 ms for an
account's own snapshots, 750 ms for Amazon's x86_64 images. Unless MOTO_AMIS_PATH
says otherwise, this launcher gives every region moto's general-purpose images
only (its default list and the latest Amazon Linux ones, 66 images), which is what
hac's tests and templates look up.
"""

import gzip
import importlib.util
import json
import os
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


def _general_purpose_amis() -> None:
    """Points MOTO_AMIS_PATH at moto's default and latest Amazon Linux AMIs (before moto loads)."""
    if "MOTO_AMIS_PATH" in os.environ:
        return
    spec = importlib.util.find_spec("moto")
    if spec is None or not spec.submodule_search_locations:
        return
    resources = Path(next(iter(spec.submodule_search_locations))) / "ec2" / "resources"
    images: list[dict[str, Any]] = []
    try:
        for name in ("amis.json.gz", "latest_amis/us-east-1.json.gz"):
            with gzip.open(resources / name, "rt", encoding="utf-8") as f:
                images.extend(json.load(f))
    except (OSError, ValueError):
        return  # another moto layout: its own catalogue, as it comes
    path = Path(tempfile.gettempdir()) / f"hac-moto-amis-{os.getuid()}.json"
    tmp = path.with_suffix(f".{os.getpid()}")
    tmp.write_text(json.dumps(images), encoding="utf-8")
    tmp.replace(path)
    os.environ["MOTO_AMIS_PATH"] = str(path)


_general_purpose_amis()

from moto.core.responses import ActionResult  # noqa: E402
from moto.ec2.models import ec2_backends  # noqa: E402
from moto.server import main  # noqa: E402
from moto.ssm.models import Command  # noqa: E402
from moto.ssm.responses import SimpleSystemManagerResponse  # noqa: E402

PING = {"running": "Online", "stopping": "ConnectionLost", "stopped": "ConnectionLost"}


def _instance_ids(response: SimpleSystemManagerResponse) -> set[str]:
    ids: set[str] = set()
    for f in response._get_param("Filters") or []:
        if f.get("Key") in ("InstanceIds", "InstanceId"):
            ids.update(f.get("Values") or [])
    for f in response._get_param("InstanceInformationFilterList") or []:
        if f.get("key") == "InstanceIds":
            ids.update(f.get("valueSet") or [])
    return ids


def describe_instance_information(self: SimpleSystemManagerResponse) -> ActionResult:
    wanted = _instance_ids(self)
    backend = ec2_backends[self.current_account][self.region]
    now = datetime.now(timezone.utc)
    found: list[dict[str, Any]] = []
    for instance in backend.all_instances():
        if wanted and instance.id not in wanted:
            continue
        state = instance._state.name
        if not getattr(instance, "iam_instance_profile", None) and not backend.iam_instance_profile_associations.get(instance.id):
            continue
        if state not in PING:
            continue
        found.append(
            {
                "InstanceId": instance.id,
                "PingStatus": PING[state],
                "LastPingDateTime": now,
                "AgentVersion": "3.3.0.0",
                "IsLatestVersion": True,
                "PlatformType": "Linux",
                "PlatformName": "Amazon Linux",
                "PlatformVersion": "2023",
                "ResourceType": "EC2Instance",
                "IPAddress": instance.private_ip,
                "ComputerName": f"{instance.id}.internal",
            }
        )
    return ActionResult({"InstanceInformationList": found})


SimpleSystemManagerResponse.describe_instance_information = describe_instance_information  # type: ignore[attr-defined]

_targets = Command._get_instance_ids_from_targets


def _instance_ids_from_targets(self: Command) -> list[str]:
    return _targets(self) if self.targets else []


Command._get_instance_ids_from_targets = _instance_ids_from_targets  # type: ignore[method-assign]

if __name__ == "__main__":
    sys.exit(main())
