namespace Campaigns.Domain.Languages;

/// <summary>
/// A well-formed BCP 47 language tag (RFC 5646, section 2.1): <c>hi-IN</c>, <c>en-IN</c>, <c>zh-Hant-TW</c>,
/// <c>sl-rozaj-biske</c>, <c>de-CH-x-phonebk</c>. Tags are compared case-insensitively and kept in the
/// canonical case of section 2.1.1 (language lower, script title, region upper): <c>HI-in</c> becomes <c>hi-IN</c>.
/// Well-formed is checked, not registered: an unknown but well-formed subtag such as <c>qaa</c> is accepted.
/// </summary>
public sealed record LanguageTag
{
    private LanguageTag(string value) => Value = value;

    public string Value { get; }

    public override string ToString() => Value;

    // RFC 5646 section 2.2.8: grandfathered tags, matched whole.
    private static readonly string[] Grandfathered =
    [
        "en-GB-oed", "i-ami", "i-bnn", "i-default", "i-enochian", "i-hak", "i-klingon", "i-lux", "i-mingo",
        "i-navajo", "i-pwn", "i-tao", "i-tay", "i-tsu", "sgn-BE-FR", "sgn-BE-NL", "sgn-CH-DE",
        "art-lojban", "cel-gaulish", "no-bok", "no-nyn", "zh-guoyu", "zh-hakka", "zh-min", "zh-min-nan", "zh-xiang",
    ];

    public static bool TryParse(string? text, out LanguageTag tag, out string error)
    {
        tag = null!;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "is required";
            return false;
        }
        if (text.Length > 64)
        {
            error = "must be a BCP 47 language tag of at most 64 characters (e.g. hi-IN)";
            return false;
        }
        foreach (var g in Grandfathered)
        {
            if (string.Equals(g, text, StringComparison.OrdinalIgnoreCase))
            {
                tag = new LanguageTag(g);
                error = "";
                return true;
            }
        }
        var parts = text.Split('-');
        if (!TryCanonicalize(parts, out var canonical, out var problem))
        {
            error = $"must be a well-formed BCP 47 language tag (e.g. hi-IN, ta-IN, en-IN): {problem}";
            return false;
        }
        tag = new LanguageTag(canonical);
        error = "";
        return true;
    }

    private static bool TryCanonicalize(string[] parts, out string canonical, out string problem)
    {
        canonical = "";
        problem = "";
        var output = new List<string>(parts.Length);
        var i = 0;
        if (parts.Any(p => p.Length == 0 || !p.All(char.IsAsciiLetterOrDigit)))
        {
            problem = "subtags are ASCII letters or digits separated by single hyphens";
            return false;
        }

        // privateuse alone: "x-whatever"
        if (IsX(parts[0]))
            return TryPrivateUse(parts, 0, output, out canonical, out problem);

        // language = 2*3ALPHA ["-" extlang] / 4ALPHA / 5*8ALPHA
        var language = parts[0];
        if (!IsAlpha(language) || language.Length is < 2 or > 8)
        {
            problem = $"'{language}' is not a language subtag (2 to 8 letters)";
            return false;
        }
        output.Add(language.ToLowerInvariant());
        i++;
        if (language.Length <= 3)
        {
            // extlang = 3ALPHA *2("-" 3ALPHA)
            var extlangs = 0;
            while (i < parts.Length && extlangs < 3 && parts[i].Length == 3 && IsAlpha(parts[i]))
            {
                output.Add(parts[i].ToLowerInvariant());
                i++;
                extlangs++;
            }
        }
        // script = 4ALPHA
        if (i < parts.Length && parts[i].Length == 4 && IsAlpha(parts[i]))
        {
            output.Add(char.ToUpperInvariant(parts[i][0]) + parts[i][1..].ToLowerInvariant());
            i++;
        }
        // region = 2ALPHA / 3DIGIT
        if (i < parts.Length && ((parts[i].Length == 2 && IsAlpha(parts[i])) || (parts[i].Length == 3 && parts[i].All(char.IsAsciiDigit))))
        {
            output.Add(parts[i].ToUpperInvariant());
            i++;
        }
        // variant = 5*8alphanum / (DIGIT 3alphanum); no variant twice
        var variants = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (i < parts.Length && (parts[i].Length is >= 5 and <= 8 || (parts[i].Length == 4 && char.IsAsciiDigit(parts[i][0]))))
        {
            if (!variants.Add(parts[i]))
            {
                problem = $"variant '{parts[i]}' appears twice";
                return false;
            }
            output.Add(parts[i].ToLowerInvariant());
            i++;
        }
        // extension = singleton 1*("-" (2*8alphanum)); no singleton twice
        var singletons = new HashSet<char>();
        while (i < parts.Length && parts[i].Length == 1 && !IsX(parts[i]))
        {
            var singleton = char.ToLowerInvariant(parts[i][0]);
            if (!singletons.Add(singleton))
            {
                problem = $"extension '{singleton}' appears twice";
                return false;
            }
            output.Add(singleton.ToString());
            i++;
            var start = i;
            while (i < parts.Length && parts[i].Length is >= 2 and <= 8)
            {
                output.Add(parts[i].ToLowerInvariant());
                i++;
            }
            if (i == start)
            {
                problem = $"extension '{singleton}' has no subtags";
                return false;
            }
        }
        if (i < parts.Length && IsX(parts[i]))
            return TryPrivateUse(parts, i, output, out canonical, out problem);
        if (i < parts.Length)
        {
            problem = $"'{parts[i]}' is not allowed at this position";
            return false;
        }
        canonical = string.Join('-', output);
        return true;
    }

    private static bool TryPrivateUse(string[] parts, int i, List<string> output, out string canonical, out string problem)
    {
        canonical = "";
        output.Add("x");
        i++;
        if (i == parts.Length)
        {
            problem = "private use 'x' has no subtags";
            return false;
        }
        for (; i < parts.Length; i++)
        {
            if (parts[i].Length > 8)
            {
                problem = $"private use subtag '{parts[i]}' is longer than 8 characters";
                return false;
            }
            output.Add(parts[i].ToLowerInvariant());
        }
        canonical = string.Join('-', output);
        problem = "";
        return true;
    }

    private static bool IsX(string part) => part is "x" or "X";

    private static bool IsAlpha(string part) => part.All(char.IsAsciiLetter);
}
