using System.Globalization;
using System.Text.RegularExpressions;

namespace Campaigns.LocalHost.Http;

/// <summary>
/// An HTTP function's route, as ASP.NET Core templates write it and the Functions host matches it: literal segments
/// (case-insensitive), <c>{id}</c>, <c>{id?}</c> (optional, last), <c>{*rest}</c> (catch-all, last, may be empty) and
/// the common constraints <c>{id:int}</c>, <c>long</c>, <c>guid</c>, <c>bool</c>, <c>alpha</c>, and complex segments
/// that mix literals and parameters (<c>{name}.json</c>, matched shortest-first as ASP.NET Core does). Unknown constraints
/// are accepted without checking, so a route never disappears because of one.
/// </summary>
public sealed class RouteTemplate
{
    private readonly Segment[] _segments;

    private RouteTemplate(string text, Segment[] segments)
    {
        Text = text;
        _segments = segments;
    }

    public string Text { get; }

    /// <summary>Higher for more specific routes: literal beats parameter beats catch-all, segment by segment.</summary>
    public IReadOnlyList<int> Precedence => _segments.Select(s => s.Kind switch
    {
        SegmentKind.Literal => 4,
        SegmentKind.Complex => 3,
        SegmentKind.Parameter => 2,
        _ => 1,
    }).ToArray();

    public static RouteTemplate Parse(string template)
    {
        var segments = new List<Segment>();
        var parts = template.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (!part.Contains('{', StringComparison.Ordinal))
            {
                segments.Add(new Segment(SegmentKind.Literal, part, null, false));
                continue;
            }
            if (!(part.StartsWith('{') && part.EndsWith('}') && part.IndexOf('}', StringComparison.Ordinal) == part.Length - 1))
            {
                segments.Add(new Segment(SegmentKind.Complex, part, null, false) { Pattern = ComplexPattern(template, part) });
                continue;
            }
            var inner = part[1..^1];
            var catchAll = inner.StartsWith('*');
            inner = inner.TrimStart('*');
            var optional = inner.EndsWith('?');
            inner = inner.TrimEnd('?');
            var colon = inner.IndexOf(':', StringComparison.Ordinal);
            var name = colon < 0 ? inner : inner[..colon];
            var constraint = colon < 0 ? null : inner[(colon + 1)..].TrimEnd('?');
            if (name.IndexOf('=', StringComparison.Ordinal) is var eq and >= 0)
            {
                name = name[..eq];
                optional = true; // a default value makes the segment optional
            }
            if ((catchAll || optional) && i != parts.Length - 1)
                throw new FormatException($"Route '{template}': only the last segment may be optional or a catch-all.");
            segments.Add(new Segment(catchAll ? SegmentKind.CatchAll : SegmentKind.Parameter, name, constraint, optional || catchAll));
        }
        return new RouteTemplate(template, segments.ToArray());
    }

    /// <summary>Matches a request path (without the route prefix); route values are returned unescaped.</summary>
    public bool TryMatch(string path, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var parts = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < _segments.Length; i++)
        {
            var segment = _segments[i];
            if (segment.Kind == SegmentKind.CatchAll)
            {
                values[segment.Name] = Uri.UnescapeDataString(string.Join('/', parts.Skip(i)));
                return true;
            }
            if (i >= parts.Length)
                return segment.Optional && i == _segments.Length - 1;
            var part = Uri.UnescapeDataString(parts[i]);
            if (segment.Kind == SegmentKind.Literal)
            {
                if (!string.Equals(segment.Name, part, StringComparison.OrdinalIgnoreCase))
                    return false;
            }
            else if (segment.Kind == SegmentKind.Complex)
            {
                var match = segment.Pattern!.Match(part);
                if (!match.Success)
                    return false;
                foreach (var group in segment.Pattern.GetGroupNames().Where(g => !char.IsAsciiDigit(g[0])))
                    values[group] = match.Groups[group].Value;
            }
            else
            {
                if (!Satisfies(segment.Constraint, part))
                    return false;
                values[segment.Name] = part;
            }
        }
        return parts.Length == _segments.Length;
    }

    /// <summary>A segment such as <c>{name}.json</c> or <c>v{major}-{minor}</c>: literals exact (any case), each parameter non-empty.</summary>
    private static Regex ComplexPattern(string template, string part)
    {
        var pattern = new System.Text.StringBuilder("^");
        var at = 0;
        while (at < part.Length)
        {
            var open = part.IndexOf('{', at);
            if (open < 0)
            {
                pattern.Append(Regex.Escape(part[at..]));
                break;
            }
            var close = part.IndexOf('}', open);
            if (close < 0 || close == open + 1)
                throw new FormatException($"Route '{template}': segment '{part}' has an unclosed or empty parameter.");
            pattern.Append(Regex.Escape(part[at..open]));
            var name = part[(open + 1)..close].Split(':', '=', '?')[0];
            pattern.Append("(?<").Append(name).Append(">.+?)");
            at = close + 1;
        }
        return new Regex(pattern.Append('$').ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
    }

    private static bool Satisfies(string? constraint, string value) => constraint?.ToLowerInvariant() switch
    {
        null or "" => true,
        "int" => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        "long" => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
        "guid" => Guid.TryParse(value, out _),
        "bool" => bool.TryParse(value, out _),
        "alpha" => value.All(char.IsAsciiLetter),
        _ => true,
    };

    private enum SegmentKind
    {
        Literal,
        Parameter,
        Complex,
        CatchAll,
    }

    private sealed record Segment(SegmentKind Kind, string Name, string? Constraint, bool Optional)
    {
        public Regex? Pattern { get; init; }
    }
}
