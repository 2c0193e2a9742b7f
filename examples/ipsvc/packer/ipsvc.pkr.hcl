# Builds the ipsvc immutable-server AMI: Debian with the ipsvc binary and its systemd unit.
# Used by build-ami's packer engine: packer init . && packer build -machine-readable .
packer {
  required_plugins {
    amazon = {
      source  = "github.com/hashicorp/amazon"
      version = ">= 1.3.0"
    }
  }
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "version" {
  type = string
}

variable "instance_type" {
  type    = string
  default = "t3.micro"
}

variable "subnet_id" {
  type    = string
  default = ""
}

source "amazon-ebs" "ipsvc" {
  region        = var.region
  instance_type = var.instance_type
  subnet_id     = var.subnet_id
  ssh_username  = "admin"
  ami_name      = "ipsvc-${var.version}-{{timestamp}}"
  source_ami_filter {
    filters = {
      name                = "debian-12-amd64-*"
      virtualization-type = "hvm"
      root-device-type    = "ebs"
    }
    owners      = ["136693071363"]
    most_recent = true
  }
  # Only the build host may reach the temporary instance, not 0.0.0.0/0.
  temporary_security_group_source_public_ip = true
  tags = {
    "hac:family" = "ipsvc"
    "Version"    = var.version
  }
  snapshot_tags = {
    "hac:family" = "ipsvc"
    "Version"    = var.version
  }
}

build {
  sources = ["source.amazon-ebs.ipsvc"]

  provisioner "file" {
    sources     = ["../ipsvc", "../ipsvc.service"]
    destination = "/tmp/"
  }

  provisioner "shell" {
    inline = [
      "sudo install -m 0755 /tmp/ipsvc /usr/local/bin/ipsvc",
      "sudo install -m 0644 /tmp/ipsvc.service /etc/systemd/system/ipsvc.service",
      "echo VERSION=${var.version} | sudo tee /etc/default/ipsvc",
      "sudo systemctl enable ipsvc",
    ]
  }
}
