using Campaigns.Domain.Languages;

namespace Campaigns.Domain.Tests.Languages;

public sealed class LanguageTagTests
{
    [Theory]
    [InlineData("hi-IN", "hi-IN")]
    [InlineData("ta-IN", "ta-IN")]
    [InlineData("en-IN", "en-IN")]
    [InlineData("EN-in", "en-IN")]
    [InlineData("en", "en")]
    [InlineData("zh-Hant-TW", "zh-Hant-TW")]
    [InlineData("zh-hant-tw", "zh-Hant-TW")]
    [InlineData("es-419", "es-419")]
    [InlineData("sl-rozaj-biske", "sl-rozaj-biske")]
    [InlineData("de-CH-1901", "de-CH-1901")]
    [InlineData("zh-yue-HK", "zh-yue-HK")]
    [InlineData("en-US-u-islamcal", "en-US-u-islamcal")]
    [InlineData("de-CH-x-phonebk", "de-CH-x-phonebk")]
    [InlineData("x-whatever", "x-whatever")]
    [InlineData("i-klingon", "i-klingon")]
    [InlineData("en-gb-oed", "en-GB-oed")]
    public void TryParse_WellFormed_IsAcceptedInCanonicalCase(string text, string canonical)
    {
        Assert.True(LanguageTag.TryParse(text, out var tag, out var error), error);
        Assert.Equal(canonical, tag.Value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("hindi india")]
    [InlineData("hi_IN")]
    [InlineData("hi-")]
    [InlineData("-IN")]
    [InlineData("a-IN")]
    [InlineData("abcdefghi")]
    [InlineData("hi-IN-x")]
    [InlineData("de-DE-1901-1901")]
    [InlineData("en-a-bbb-a-ccc")]
    [InlineData("en-a")]
    [InlineData("hi-INDIAN-INDIAN")]
    [InlineData("en-US-toolongvariant")]
    [InlineData("hi-IN-😀")]
    public void TryParse_Malformed_IsRejected(string text)
    {
        Assert.False(LanguageTag.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
