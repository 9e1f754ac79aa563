package pooltag.linux.ring;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything the decoder needs to know about one kernel's trace format, read once per session: the page layout
 * and the formats of the events in use, by {@code system/name} and by id. Immutable.
 */
public final class TraceSchema {
    private final HeaderPage header;
    private final String headerPageText;
    private final Map<String, EventFormat> byName;
    private final Map<String, String> formatTexts;

    private TraceSchema(HeaderPage header, String headerPageText, Map<String, EventFormat> byName,
                        Map<String, String> formatTexts) {
        this.header = header;
        this.headerPageText = headerPageText;
        this.byName = byName;
        this.formatTexts = formatTexts;
    }

    /**
     * @param formatTexts {@code system/name} to the text of that event's {@code format} file, in a stable order
     */
    public static TraceSchema parse(String headerPageText, Map<String, String> formatTexts, String where) {
        HeaderPage hp = HeaderPage.parse(headerPageText, where + " header_page");
        Map<String, EventFormat> byName = new LinkedHashMap<>();
        Map<Integer, String> ids = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : formatTexts.entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            if (slash <= 0) {
                throw new DecodeException(where, 0, "event key '" + key + "' is not system/name");
            }
            EventFormat f = EventFormat.parse(key.substring(0, slash), e.getValue(), where + " " + key + "/format");
            String clash = ids.put(f.id(), key);
            if (clash != null) {
                throw new DecodeException(where, 0, "events " + clash + " and " + key + " share id " + f.id());
            }
            byName.put(key, f);
        }
        return new TraceSchema(hp, headerPageText, byName, new LinkedHashMap<>(formatTexts));
    }

    public HeaderPage header() {
        return header;
    }

    public String headerPageText() {
        return headerPageText;
    }

    /** The format of {@code system/name}, or null when the session did not load it. */
    public EventFormat event(String systemSlashName) {
        return byName.get(systemSlashName);
    }

    public Collection<EventFormat> events() {
        return byName.values();
    }

    /** The raw format texts, {@code system/name} to text, as read (recordings store these). */
    public Map<String, String> formatTexts() {
        return java.util.Collections.unmodifiableMap(formatTexts);
    }
}
