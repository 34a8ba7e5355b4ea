using System.Collections.Frozen;

namespace Campaigns.Domain.Dialer;

/// <summary>
/// The value of <c>ignore_states</c>: a set of <see cref="StateCodes"/>, written on the wire as upper-case codes
/// separated by commas without spaces (<c>NY,CA,ON</c>), in the order first given, each once. Empty is <c>""</c>.
/// </summary>
public sealed class StateCodeList : IEquatable<StateCodeList>
{
    /// <summary>At most this many characters are read; every known code with its comma fits in about 210.</summary>
    public const int MaxTextLength = 1024;

    public static readonly StateCodeList Empty = new([]);

    private readonly FrozenSet<string> _set;

    private StateCodeList(IReadOnlyList<string> codes)
    {
        Codes = codes;
        _set = codes.ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>The codes, upper-case, in the order first given.</summary>
    public IReadOnlyList<string> Codes { get; }

    public bool IsEmpty => Codes.Count == 0;

    /// <summary>True when <paramref name="code"/> (any letter case) is in the list; false for null.</summary>
    public bool Contains(string? code) => code is not null && _set.Contains(code.ToUpperInvariant());

    /// <summary>The normalised wire form: <c>NY,CA</c>.</summary>
    public override string ToString() => string.Join(',', Codes);

    /// <summary>
    /// Parses comma-separated codes: letter case is ignored, spaces around commas are allowed, a repeated code is
    /// kept once, and empty items (<c>"NY,,CA"</c>, a trailing comma) are skipped because they cannot mean anything
    /// else. Full names are not accepted here: the field is documented as codes, and "Washington" would be ambiguous
    /// with DC. On failure <paramref name="error"/> names every unknown code and the allowed form.
    /// </summary>
    public static bool TryParse(string text, out StateCodeList list, out string error)
    {
        list = Empty;
        error = "";
        if (text.Length > MaxTextLength)
        {
            error = $"must be at most {MaxTextLength} characters of comma-separated two-letter codes (got {text.Length})";
            return false;
        }
        var codes = new List<string>();
        var unknown = new List<string>();
        foreach (var item in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!StateCodes.IsKnown(item))
            {
                unknown.Add(item);
                continue;
            }
            var code = item.ToUpperInvariant();
            if (!codes.Contains(code))
                codes.Add(code);
        }
        if (unknown.Count > 0)
        {
            var quoted = string.Join(", ", unknown.Select(u => $"'{u}'"));
            error = $"has unknown state or province code{(unknown.Count > 1 ? "s" : "")} {quoted}; use two-letter US state, DC, "
                + "US territory (PR, VI, GU, AS, MP) or Canadian province codes separated by commas, e.g. \"NY, CA, ON\"";
            return false;
        }
        list = codes.Count == 0 ? Empty : new StateCodeList(codes);
        return true;
    }

    /// <summary>Parses text known to be valid (stored settings); throws <see cref="FormatException"/> otherwise.</summary>
    public static StateCodeList Parse(string text) =>
        TryParse(text, out var list, out var error) ? list : throw new FormatException($"ignore_states {error}");

    public bool Equals(StateCodeList? other) => other is not null && Codes.SequenceEqual(other.Codes, StringComparer.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as StateCodeList);

    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
