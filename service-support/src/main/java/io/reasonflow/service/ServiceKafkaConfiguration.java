package io.reasonflow.service;

import io.reasonflow.contracts.InvalidMessageException;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.ConcurrentKafkaListenerContainerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.core.MicrometerConsumerListener;
import org.springframework.kafka.core.MicrometerProducerListener;
import org.springframework.kafka.core.ProducerFactory;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.util.backoff.FixedBackOff;

/**
 * Kafka wiring every service imports: string keys and JSON byte-array values, idempotent producers
 * with {@code acks=all} that send at once ({@code linger.ms=0} unless set), consumers that read committed records only, and a listener error handler that retries a failing record twice, one second
 * apart, then sends it to its dead-letter topic. A record that cannot be decoded is not retried.
 * Boot's {@code spring.kafka.*} properties (bootstrap servers, group id, client settings) still apply.
 */
@Configuration(proxyBeanMethods = false)
public class ServiceKafkaConfiguration {

    @Bean
    public ProducerFactory<String, byte[]> producerFactory(KafkaProperties properties,
            ObjectProvider<MeterRegistry> meters) {
        Map<String, Object> config = properties.buildProducerProperties();
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
        // Every sender waits for its records' acknowledgement right after sending them, so waiting for more
        // records to fill a batch (Kafka 4's default linger of 5 ms) would only delay each hand-off.
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        DefaultKafkaProducerFactory<String, byte[]> factory = new DefaultKafkaProducerFactory<>(config);
        // The clients' own metrics (record rates, request latency, consumer lag) on /actuator/prometheus.
        meters.ifAvailable(registry -> factory.addListener(new MicrometerProducerListener<>(registry)));
        return factory;
    }

    @Bean
    public KafkaTemplate<String, byte[]> kafkaTemplate(ProducerFactory<String, byte[]> producerFactory) {
        return new KafkaTemplate<>(producerFactory);
    }

    @Bean
    public ConsumerFactory<String, byte[]> consumerFactory(KafkaProperties properties,
            ObjectProvider<MeterRegistry> meters) {
        Map<String, Object> config = properties.buildConsumerProperties();
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The reward service writes inside transactions; records of an aborted one must stay unseen.
        config.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        DefaultKafkaConsumerFactory<String, byte[]> factory = new DefaultKafkaConsumerFactory<>(config);
        meters.ifAvailable(registry -> factory.addListener(new MicrometerConsumerListener<>(registry)));
        return factory;
    }

    @Bean
    public MessagePublisher messagePublisher(KafkaTemplate<String, byte[]> template) {
        return new MessagePublisher(template);
    }

    @Bean
    public DeadLetters deadLetters(KafkaTemplate<String, byte[]> template,
            @Value("${spring.application.name}") String service) {
        return new DeadLetters(template, service);
    }

    /** Counts the records this service sent to dead-letter topics: {@code reasonflow_dead_letters_sent_total}. */
    @Bean
    public MeterBinder deadLetterMetrics(DeadLetters deadLetters,
            @Value("${spring.application.name}") String service) {
        return registry -> FunctionCounter.builder("reasonflow.dead.letters.sent", deadLetters, DeadLetters::sentCount)
                .tag("service", service).description("Records this service sent to a dead-letter topic")
                .register(registry);
    }

    @Bean
    public DefaultErrorHandler kafkaErrorHandler(DeadLetters deadLetters) {
        DefaultErrorHandler handler = new DefaultErrorHandler(
                (record, error) -> deadLetters.send(castRecord(record), error), new FixedBackOff(1_000L, 2L));
        handler.addNotRetryableExceptions(InvalidMessageException.class);
        return handler;
    }

    @Bean
    public ConcurrentKafkaListenerContainerFactory<String, byte[]> kafkaListenerContainerFactory(
            ConsumerFactory<String, byte[]> consumerFactory, DefaultErrorHandler errorHandler) {
        ConcurrentKafkaListenerContainerFactory<String, byte[]> factory = new ConcurrentKafkaListenerContainerFactory<>();
        factory.setConsumerFactory(consumerFactory);
        factory.setCommonErrorHandler(errorHandler);
        return factory;
    }

    /** Container factory for listeners that take a list of records per poll (the rollout service's batches). */
    @Bean
    public ConcurrentKafkaListenerContainerFactory<String, byte[]> batchListenerContainerFactory(
            ConsumerFactory<String, byte[]> consumerFactory, DefaultErrorHandler errorHandler) {
        ConcurrentKafkaListenerContainerFactory<String, byte[]> factory = kafkaListenerContainerFactory(consumerFactory,
                errorHandler);
        factory.setBatchListener(true);
        return factory;
    }

    @SuppressWarnings("unchecked")
    private static org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]> castRecord(
            org.apache.kafka.clients.consumer.ConsumerRecord<?, ?> record) {
        return (org.apache.kafka.clients.consumer.ConsumerRecord<String, byte[]>) record;
    }
}
