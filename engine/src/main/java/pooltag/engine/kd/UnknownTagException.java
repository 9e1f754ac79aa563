package pooltag.engine.kd;

import pooltag.core.error.PooltagException;

/**
 * A target's answer to {@code armHit} when no Linux tag has the name (no slab cache, kernel function or kmalloc
 * class): the console notes it and leaves the hit disarmed, as opposed to a target that cannot trace at all.
 */
public final class UnknownTagException extends PooltagException {
    private static final long serialVersionUID = 1L;

    public UnknownTagException(String message, Throwable cause) {
        super(message, cause);
    }
}
