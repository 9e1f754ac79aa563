package pooltag.linux.procfs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ThreadIdsTest {
    @Test
    void theLinkNamesTheTaskAfterTask() {
        assertEquals(4711, ThreadIds.parseLink("4700/task/4711"));
        assertEquals(-1, ThreadIds.parseLink("4700"), "a process link, not a thread's");
        assertEquals(-1, ThreadIds.parseLink("4700/task/x"));
        assertEquals(-1, ThreadIds.parseLink("4700/task/0"));
    }

    @Test
    void eachThreadHasItsOwnTaskIdUnderThisProcess() throws Exception {
        int main = ThreadIds.current();
        assertTrue(main > 0, "tid " + main);
        // The kernel lists every task of this process under /proc/self/task: the id is one of them.
        assertTrue(Files.isDirectory(Path.of("/proc/self/task/" + main)), "task " + main + " of this process");
        AtomicInteger other = new AtomicInteger();
        Thread t = new Thread(() -> other.set(ThreadIds.current()));
        t.start();
        t.join();
        assertTrue(other.get() > 0);
        assertNotEquals(main, other.get(), "another thread, another task");
    }

    @Test
    void procEntriesThatAreTaskIds() {
        assertTrue(ThreadIds.isTaskId("1"));
        assertTrue(ThreadIds.isTaskId("4194304"));
        assertEquals(false, ThreadIds.isTaskId(""));
        assertEquals(false, ThreadIds.isTaskId("self"));
        assertEquals(false, ThreadIds.isTaskId("thread-self"));
        assertEquals(false, ThreadIds.isTaskId("12a"));
        assertEquals(false, ThreadIds.isTaskId("-1"));
        assertEquals(false, ThreadIds.isTaskId("1234567890"), "ten digits: past any pid_max, and past an int");
    }
}
