"""What deploys to AWS: readers of template.yaml (``infra.aws.template``)."""
