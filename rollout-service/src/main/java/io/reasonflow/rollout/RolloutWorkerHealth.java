package io.reasonflow.rollout;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.stereotype.Component;

/** Health of the prompt consumer: down once it stopped on an error, so an orchestrator restarts the instance. */
@Component("promptConsumerHealthIndicator")
class RolloutWorkerHealth implements HealthIndicator {
    private final RolloutWorker worker;

    RolloutWorkerHealth(RolloutWorker worker) {
        this.worker = worker;
    }

    @Override
    public Health health() {
        String failure = worker.failure();
        if (failure != null) {
            return Health.down().withDetail("error", failure).build();
        }
        return Health.up().withDetail("queuedSequences", worker.queuedSequences())
                .withDetail("groupsPublished", worker.groupsPublished()).build();
    }
}
