using System.Text.RegularExpressions;

namespace Campaigns.LocalHost.Triggers.Blobs;

/// <summary>
/// A blob trigger's path, <c>container/name-pattern</c> (after <c>%setting%</c> resolution): the container, and a
/// pattern whose <c>{param}</c> parts match any text in a blob's name and become binding data (<c>{name}</c>).
/// </summary>
public sealed partial class BlobPathPattern
{
    private readonly Regex _regex;
    private readonly string[] _names;

    public BlobPathPattern(string path)
    {
        var slash = path.IndexOf('/', StringComparison.Ordinal);
        Container = slash < 0 ? path : path[..slash];
        var pattern = slash < 0 ? "{name}" : path[(slash + 1)..];
        Prefix = pattern.IndexOf('{', StringComparison.Ordinal) is var brace and >= 0 ? pattern[..brace] : pattern;
        _names = Parameter().Matches(pattern).Select(m => m.Groups[1].Value).ToArray();
        var regex = "^" + string.Concat(Parameter().Split(pattern).Select((part, i) => i % 2 == 0 ? Regex.Escape(part) : $"(?<{part}>.+?)")) + "$";
        _regex = new Regex(regex, RegexOptions.CultureInvariant);
    }

    public string Container { get; }

    /// <summary>The literal start of the name pattern: only blobs under it are listed.</summary>
    public string Prefix { get; }

    public bool TryMatch(string blobName, out Dictionary<string, string> values)
    {
        values = [];
        var match = _regex.Match(blobName);
        if (!match.Success)
            return false;
        foreach (var name in _names)
            values[name] = match.Groups[name].Value;
        return true;
    }

    [GeneratedRegex(@"\{([^{}]+)\}")]
    private static partial Regex Parameter();
}
