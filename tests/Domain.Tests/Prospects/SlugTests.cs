using Campaigns.Domain.Prospects;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace Campaigns.Domain.Tests.Prospects;

public sealed class SlugTests
{
    [Theory]
    [InlineData("February Reminders", "february-reminders")]
    [InlineData("  February   Reminders!! ", "february-reminders")]
    [InlineData("Q1/2026 -- Loans & Cards", "q1-2026-loans-cards")]
    [InlineData("Café Crème", "cafe-creme")]
    [InlineData("Straße Øresund Æble Łódź", "strasse-oresund-aeble-lodz")]
    [InlineData("São Paulo", "sao-paulo")]
    [InlineData("list_2026_v2", "list-2026-v2")]
    [InlineData("🙂 Happy 🙂", "happy")]
    public void From_Name_GivesALowerCaseHyphenatedAsciiSlug(string name, string slug)
    {
        Assert.Equal(slug, Slug.From(name, "campaign"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    [InlineData("!!!")]
    [InlineData("日本語")]
    [InlineData("🙂🙂")]
    public void From_NothingLeft_TakesTheFallback(string? name)
    {
        Assert.Equal("campaign", Slug.From(name, "campaign"));
        Assert.Equal("list", Slug.From(name, "list"));
    }

    [Fact]
    public void From_LongName_IsCutTo50WithoutATrailingHyphen()
    {
        var slug = Slug.From(new string('a', 49) + " bbbbbbbb", "campaign");
        Assert.Equal(new string('a', 49), slug);
        Assert.Equal(50, Slug.From(new string('x', 80), "campaign").Length);
    }

    [Fact]
    public void From_InvalidFallback_IsRefused()
    {
        Assert.Throws<ArgumentException>(() => Slug.From("x", "Campaign!"));
    }

    [Fact]
    public void WithSuffix_AppendsTheNumberAndStaysWithin50()
    {
        Assert.Equal("february-reminders-2", Slug.WithSuffix("february-reminders", 2));
        Assert.Equal("list-10", Slug.WithSuffix("list", 10));
        var longSlug = new string('a', 47) + "-bc";
        Assert.Equal(new string('a', 47) + "-12", Slug.WithSuffix(longSlug, 12));
        Assert.Throws<ArgumentOutOfRangeException>(() => Slug.WithSuffix("list", 1));
        Assert.Throws<ArgumentException>(() => Slug.WithSuffix("Not A Slug", 2));
    }

    [Property(MaxTest = 500)]
    public Property From_AnyText_IsAValidSlug()
    {
        var texts = Gen.Elements("a", "Z", "é", " ", "-", "_", "9", "ß", "🙂", "日", ".", "Ø", "--").ArrayOf().Select(parts => string.Concat(parts));
        return Prop.ForAll(texts.ToArbitrary(), text =>
        {
            var slug = Slug.From(text, "campaign");
            return Slug.IsValid(slug) && Slug.IsValid(Slug.WithSuffix(slug, 99));
        });
    }
}
