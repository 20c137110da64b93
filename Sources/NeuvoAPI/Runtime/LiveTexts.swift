import Foundation
import NeuvoCatalog
import NeuvoCore
import NeuvoNotifications
import Synchronization

/// The catalog a process answers and renders from, reloaded in one place. Commands that only send notices
/// (`arrange`, `dispatch`, `residents import`) load the locale texts alone, without training the classifier;
/// `serve` and `chat` load the whole catalog. Either way, `renderer()` reads the current texts on each call, so a
/// reload reaches the next notice planned or sent.
public final class LiveTexts: Sendable {
    /// The whole catalog, when this process converses.
    public let catalog: LiveCatalog?
    private let localesOnly: Mutex<LocaleTable>
    public let root: URL
    /// `link_hosts` as configured (empty: the default), and the public base URL's host, always allowed.
    private let linkPolicy = Mutex<(configured: [String], own: [String])>(([], []))

    /// The whole catalog, trained.
    public init(catalog: LiveCatalog) {
        self.catalog = catalog
        root = catalog.root
        localesOnly = Mutex(catalog.catalog.locales)
    }

    /// The locale texts alone.
    public init(localesAt root: URL) throws(Catalog.LoadError) {
        catalog = nil
        self.root = root
        localesOnly = Mutex(try Catalog.loadLocales(root: root))
    }

    public var locales: LocaleTable {
        if let catalog { return catalog.catalog.locales }
        return localesOnly.withLock { $0 }
    }

    /// A renderer over the texts as they are now (each dispatcher batch and each planned notice asks again).
    public func renderer() -> NoticeRenderer { NoticeRenderer(locales: locales, linkHosts: linkHosts) }

    /// Sets `link_hosts` and this installation's own host (the public base URL's).
    public func setLinkHosts(configured: [String], ownHost: String?) {
        linkPolicy.withLock { $0 = (configured, ownHost.map { [$0] } ?? []) }
    }

    /// The hosts whose URLs become links in emails and chat replies: `link_hosts` when set, otherwise the public
    /// base URL's host and the hosts the catalog's texts link to (the city's own domains).
    public var linkHosts: LinkHosts {
        let (configured, own) = linkPolicy.withLock { $0 }
        if !configured.isEmpty { return LinkHosts(configured + own) }
        return LinkHosts(locales.linkedHosts.union(own))
    }

    /// What a reload loaded, for the log line.
    public struct Reloaded: Sendable {
        public let intents: Int
        public let localeKeys: Int
    }

    /// Loads the files again; a broken set is refused and the current texts keep serving.
    public func reload() -> Result<Reloaded, Catalog.LoadError> {
        if let catalog {
            return catalog.reload().map {
                Reloaded(intents: $0.intentIDs.count, localeKeys: $0.locales.strings.count)
            }
        }
        do {
            let fresh = try Catalog.loadLocales(root: root)
            localesOnly.withLock { $0 = fresh }
            return .success(Reloaded(intents: 0, localeKeys: fresh.strings.count))
        } catch {
            return .failure(error)
        }
    }
}
