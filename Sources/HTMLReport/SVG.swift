import Plot

/// SVG elements as Plot nodes: Plot has no SVG vocabulary, so these name the elements and
/// attributes, and Plot does the escaping and nesting (no HTML is assembled from strings).
enum SVG {
    typealias Node = Plot.Node<HTML.BodyContext>

    static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, _ children: [Node] = []) -> Node {
        .element(named: name, nodes: attributes.map { Node.attribute(named: $0.key, value: $0.value) } + children)
    }

    static func element(_ name: String, attributes: [(String, String)], _ children: [Node] = []) -> Node {
        .element(named: name, nodes: attributes.map { Node.attribute(named: $0.0, value: $0.1) } + children)
    }

    /// A tooltip: SVG's `<title>` child, which browsers show on hover.
    static func title(_ text: String) -> Node { .element(named: "title", text: text) }

    static func text(_ value: String, x: Double, y: Double, anchor: String = "start", className: String = "label")
        -> Node
    {
        .element(
            named: "text",
            nodes: [
                .attribute(named: "x", value: number(x)), .attribute(named: "y", value: number(y)),
                .attribute(named: "text-anchor", value: anchor), .attribute(named: "class", value: className),
                .text(value),
            ])
    }

    /// A coordinate with at most two decimals, so the page stays small.
    static func number(_ value: Double) -> String {
        let scaled = (value * 100).rounded() / 100
        return scaled == scaled.rounded() ? String(Int(scaled)) : String(scaled)
    }
}
