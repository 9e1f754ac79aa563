package pooltag.engine.testkit;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import pooltag.core.error.PooltagException;
import pooltag.core.event.AllocEventConsumer;
import pooltag.engine.run.TracingRun;
import pooltag.linux.kmem.SessionStats;

/**
 * A session in miniature for tests of what drives a {@link TracingRun}: {@link #start} runs {@link #deliver} on its
 * own merge thread; {@link #stop} asks it to end, joins it and ends the consumer, or throws what killed it, as
 * {@code TraceSession} does. Stops and closes are counted, so a test can tell each happened once.
 */
public abstract class MergeThreadSource implements TracingRun.Source {
    public final SessionStats stats;
    public final CountDownLatch stopRequested = new CountDownLatch(1);
    public final AtomicInteger stops = new AtomicInteger();
    public final AtomicInteger closes = new AtomicInteger();
    public volatile Thread merge;
    public volatile Throwable failure;
    private final String threadName;
    private volatile AllocEventConsumer consumer;

    protected MergeThreadSource(String threadName, SessionStats stats) {
        this.threadName = threadName;
        this.stats = stats;
    }

    /**
     * The merge thread's work: deliver events to {@code consumer}, run {@code tick} between rounds, and return once
     * {@link #stopRequested} is counted down. What it throws becomes {@link #failure()}.
     */
    protected abstract void deliver(AllocEventConsumer consumer, Runnable tick) throws Exception;

    @Override
    public final void start(AllocEventConsumer c, Runnable tick) {
        consumer = c;
        Thread t = new Thread(() -> {
            try {
                deliver(c, tick);
            } catch (Throwable e) {
                failure = e;
            }
        }, threadName);
        merge = t;
        t.start();
    }

    @Override
    public void requestStop() {
        stopRequested.countDown();
    }

    @Override
    public boolean awaitStopRequest(Duration d) throws InterruptedException {
        return stopRequested.await(d.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public Throwable failure() {
        return failure;
    }

    @Override
    public SessionStats stop() {
        stops.incrementAndGet();
        stopRequested.countDown();
        try {
            merge.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (failure != null) {
            throw new PooltagException("trace session failed: " + failure, failure);
        }
        consumer.onEnd(false);
        return stats;
    }

    @Override
    public void close() {
        closes.incrementAndGet();
    }
}
