package pooltag.linux.kmem;

/** Receives every raw page before it is decoded (the recorder writes them to a file). Called on the merge thread. */
@FunctionalInterface
public interface PageSink {
    void onPage(Page page);
}
