/**
 * The document transport: documents published to a broker, in order per run, and read by a
 * group of consumers that share the stream's partitions. Redis Streams implement it here,
 * behind interfaces that Kafka or NATS JetStream could implement as well.
 *
 * @module
 */

export { partitionOf } from "./transport.ts";
export type {
  DocumentSink,
  GroupMember,
  GroupMemberEvents,
  ReceivedEntry,
  TransportEntry,
} from "./transport.ts";
export {
  openRedisClient,
  parseRedisUrl,
  redisDefaults,
  redisKeys,
  redisPartitions,
  RedisSink,
} from "./redis.ts";
export type { RedisClient, RedisLocation } from "./redis.ts";
export { joinRedisGroup, redisGroupDefaults, RedisGroupMember } from "./redis_group.ts";
export type { RedisGroupOptions } from "./redis_group.ts";
export { DocumentPublisher, publisherDefaults } from "./publisher.ts";
export type { PublisherOptions, PublisherOutcome } from "./publisher.ts";
export { readSpoolFile, Spool } from "./spool.ts";
export { RunAssembler, runAssemblerDefaults } from "./run_assembler.ts";
export type { AssembledRun, RunAssemblerOptions } from "./run_assembler.ts";
