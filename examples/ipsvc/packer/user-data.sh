#!/bin/bash
# user-data for build-ami's native engine: provisions ipsvc on the temporary instance, then
# powers off. With InstanceInitiatedShutdownBehavior=stop, the stop is build-ami's completion
# signal; it then creates the image. Any failure leaves the instance running, and build-ami
# times out with the console output.
set -euxo pipefail
VERSION="${VERSION:-__VERSION__}"
ARTIFACT_URL="${ARTIFACT_URL:-__ARTIFACT_URL__}"
curl -fsSL --retry 5 -o /usr/local/bin/ipsvc "$ARTIFACT_URL"
chmod 0755 /usr/local/bin/ipsvc
cat > /etc/systemd/system/ipsvc.service <<'UNIT'
[Unit]
Description=ipsvc example service (hac)
After=network-online.target
Wants=network-online.target

[Service]
ExecStart=/usr/local/bin/ipsvc
Environment=PORT=80
EnvironmentFile=-/etc/default/ipsvc
DynamicUser=yes
AmbientCapabilities=CAP_NET_BIND_SERVICE
Restart=on-failure

[Install]
WantedBy=multi-user.target
UNIT
echo "VERSION=$VERSION" > /etc/default/ipsvc
systemctl daemon-reload
systemctl enable ipsvc
# Clean instance-specific state so that every server booted from the image starts fresh.
cloud-init clean --logs || true
sync
shutdown -h now
