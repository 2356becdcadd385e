package jetstream

// WorkQueue names the streams and subjects of sweeps spread over worker processes: planners
// publish tasks to TaskStream, workers take them and publish results to ResultStream. The
// names sit beside the log's (same prefixes) so that one credential directory covers both.
type WorkQueue struct {
	TaskStream, ResultStream string
	// TaskPrefix and ResultPrefix start the subjects: TaskPrefix.<batch> holds a batch's tasks,
	// ResultPrefix.<batch>.<index> a task's result.
	TaskPrefix, ResultPrefix string
}

// WorkQueueOf returns the work-queue names for a log with opt's prefixes. The subjects have
// "work" as their second token and "task" or "result" as their third, which no event subject
// has (its third token is an event domain), so the streams never overlap the log's.
func WorkQueueOf(opt Options) WorkQueue {
	opt = opt.withDefaults()
	return WorkQueue{
		TaskStream:   opt.StreamPrefix + "_WORK",
		ResultStream: opt.StreamPrefix + "_RESULTS",
		TaskPrefix:   opt.Prefix + ".work.task",
		ResultPrefix: opt.Prefix + ".work.result",
	}
}
