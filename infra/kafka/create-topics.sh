#!/bin/bash
# Creates the pipeline's topics on a Kafka cluster, leaving existing ones as they are. Runs inside the
# apache/kafka image (docker-compose.yml's "topics" service). Usage:
#   create-topics.sh BOOTSTRAP_SERVERS [REPLICATION_FACTOR]
# The list matches the registry in contracts (io.reasonflow.contracts.Topics) and the KafkaTopic
# resources in infra/k8s/base/kafka-topics.yaml. The deploy module's tests check that all three agree.
set -euo pipefail

bootstrap="${1:?usage: create-topics.sh BOOTSTRAP_SERVERS [REPLICATION_FACTOR]}"
replication="${2:-1}"
kafka_topics=/opt/kafka/bin/kafka-topics.sh

# Each entry: name, partitions, then settings.
# Rollout and reward workers share the work topics as consumer groups, so their 4 partitions let at
# most 4 workers of one kind receive work. Policy manifests are keyed by run id, and compaction keeps
# the newest manifest of each run. Chunks carry up to 512 KiB of weights, base64-encoded.
topics=(
  "reasonflow.prompts 4 retention.ms=604800000"
  "reasonflow.rollouts 4 retention.ms=604800000"
  "reasonflow.rewards 4 retention.ms=604800000"
  "reasonflow.scored 4 retention.ms=604800000"
  "reasonflow.policy 1 cleanup.policy=compact"
  "reasonflow.policy.chunks 1 retention.ms=604800000 max.message.bytes=2097152"
  "reasonflow.eval 1 retention.ms=-1"
  "reasonflow.prompts.dlq 1 retention.ms=2592000000"
  "reasonflow.rollouts.dlq 1 retention.ms=2592000000"
  "reasonflow.rewards.dlq 1 retention.ms=2592000000"
  "reasonflow.scored.dlq 1 retention.ms=2592000000"
  "reasonflow.policy.dlq 1 retention.ms=2592000000"
  "reasonflow.policy.chunks.dlq 1 retention.ms=2592000000"
  "reasonflow.eval.dlq 1 retention.ms=2592000000"
)

for entry in "${topics[@]}"; do
  read -r name partitions configs <<<"$entry"
  args=(--bootstrap-server "$bootstrap" --create --if-not-exists --topic "$name"
        --partitions "$partitions" --replication-factor "$replication")
  for config in $configs; do
    args+=(--config "$config")
  done
  "$kafka_topics" "${args[@]}"
done
echo "Topics ready on $bootstrap: ${#topics[@]}"
