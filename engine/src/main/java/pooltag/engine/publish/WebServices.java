package pooltag.engine.publish;

import java.util.Optional;
import pooltag.engine.hit.HitService;
import pooltag.engine.hunt.HuntService;

/**
 * The services behind the page's Hit, Hunt and Open views. {@code ServeCommand} wires all three
 * ({@link pooltag.engine.hit.LiveHitService}, {@link pooltag.engine.hunt.LiveHuntService}, {@link FileCaptureService});
 * {@link #none()} (tests, or a server built without them) makes every view say it is not available, and no data is
 * made up.
 */
public record WebServices(Optional<HitService> hit, Optional<HuntService> hunt, Optional<CaptureService> captures) {
    public WebServices {
        hit = hit == null ? Optional.empty() : hit;
        hunt = hunt == null ? Optional.empty() : hunt;
        captures = captures == null ? Optional.empty() : captures;
    }

    public static WebServices none() {
        return new WebServices(Optional.empty(), Optional.empty(), Optional.empty());
    }
}
