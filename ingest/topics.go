package ingest

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// EnsureTopics creates the topics that do not exist yet, with the given number of partitions and
// replication factor 1 when the cluster has one broker (the broker default otherwise). Existing
// topics are left as they are.
func EnsureTopics(ctx context.Context, brokers []string, topics []string, partitions int, dialer *kafka.Dialer) error {
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	if dialer != nil {
		client.Transport = &kafka.Transport{Dial: dialer.DialFunc, SASL: dialer.SASLMechanism, TLS: dialer.TLS}
	}
	meta, err := client.Metadata(ctx, &kafka.MetadataRequest{})
	if err != nil {
		return fmt.Errorf("kafka %v: %w", brokers, err)
	}
	rf := -1
	if len(meta.Brokers) == 1 {
		rf = 1
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: rf})
	}
	res, err := client.CreateTopics(ctx, req)
	if err != nil {
		return fmt.Errorf("create topics: %w", err)
	}
	for t, e := range res.Errors {
		if e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", t, e)
		}
	}
	return nil
}
