using System.Globalization;
using System.Text;

namespace Campaigns.Domain.Prospects;

/// <summary>
/// URL slugs for campaigns and prospect lists, as in the seed's paths (<c>/campaign/february-reminders/</c>):
/// lower-case ASCII letters and digits, words joined by single hyphens, no hyphen at either end, 1 to
/// <see cref="MaxLength"/> characters.
/// </summary>
/// <remarks>
/// Accents are folded where that is simple and unambiguous (é to e, ß to ss, æ to ae, ø to o, ł to l); every
/// other character (punctuation, emoji, non-Latin scripts) separates words. A name with nothing left ("!!!", "日本")
/// takes the caller's fallback (<c>campaign</c>, <c>list</c>), so a slug is never empty; uniqueness is the store's
/// business, helped by <see cref="WithSuffix"/>.
/// </remarks>
public static class Slug
{
    public const int MaxLength = 50;

    private static readonly Dictionary<char, string> Folds = new()
    {
        ['ß'] = "ss", ['æ'] = "ae", ['Æ'] = "ae", ['œ'] = "oe", ['Œ'] = "oe", ['ø'] = "o", ['Ø'] = "o",
        ['ł'] = "l", ['Ł'] = "l", ['đ'] = "d", ['Đ'] = "d", ['ð'] = "d", ['Ð'] = "d", ['þ'] = "th", ['Þ'] = "th", ['ı'] = "i",
    };

    /// <summary>
    /// The slug of <paramref name="name"/> ("February Reminders" gives "february-reminders"), cut to 50 characters at
    /// most (a trailing hyphen left by the cut is removed), or <paramref name="fallback"/> when nothing is left.
    /// </summary>
    public static string From(string? name, string fallback)
    {
        if (!IsValid(fallback))
            throw new ArgumentException($"The fallback '{fallback}' is not itself a slug.", nameof(fallback));
        if (string.IsNullOrEmpty(name))
            return fallback;
        var builder = new StringBuilder(Math.Min(name.Length, MaxLength + 8));
        var pendingHyphen = false;
        foreach (var c in name.Normalize(NormalizationForm.FormD))
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
                continue;
            var piece = Folds.TryGetValue(c, out var folded) ? folded
                : char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c).ToString()
                : null;
            if (piece is null)
            {
                pendingHyphen = builder.Length > 0;
                continue;
            }
            if (pendingHyphen)
            {
                builder.Append('-');
                pendingHyphen = false;
            }
            builder.Append(piece);
            if (builder.Length >= MaxLength)
                break;
        }
        var slug = Cut(builder.ToString(), MaxLength);
        return slug.Length == 0 ? fallback : slug;
    }

    /// <summary>
    /// The <paramref name="n"/>th variant of a taken slug: "february-reminders" and 2 give "february-reminders-2".
    /// The base is shortened when needed so the result stays within 50 characters. <paramref name="n"/> starts at 2
    /// (the unsuffixed slug is the first).
    /// </summary>
    public static string WithSuffix(string slug, int n)
    {
        if (!IsValid(slug))
            throw new ArgumentException($"'{slug}' is not a slug.", nameof(slug));
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 2);
        var suffix = "-" + n.ToString(CultureInfo.InvariantCulture);
        return Cut(slug, MaxLength - suffix.Length) + suffix;
    }

    /// <summary>True for 1 to 50 characters of [a-z0-9] words joined by single hyphens.</summary>
    public static bool IsValid(string? slug) =>
        slug is { Length: > 0 and <= MaxLength }
        && slug.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-')
        && slug[0] != '-' && slug[^1] != '-'
        && !slug.Contains("--", StringComparison.Ordinal);

    private static string Cut(string slug, int length) => (slug.Length <= length ? slug : slug[..length]).TrimEnd('-');
}
