using System.IO;
using System.Linq;
using InstantIdAvatars.Authoring;
using NUnit.Framework;

namespace InstantIdAvatars.Tests.Authoring
{
    public class SampleLogicNpcBatchTests
    {
        const string Header = "name,prompt,photo,seed,preset\n";

        [Test]
        public void ParseCsv_ReadsPlainRows()
        {
            var entries = NpcBatch.ParseCsv(Header + "Ada,blacksmith,Assets/Faces/ada.jpg,42,npc-fantasy\nBo,pilot,bo.iidprofile,,\n");
            Assert.That(entries.Count, Is.EqualTo(2));
            Assert.That((entries[0].Name, entries[0].Prompt, entries[0].PhotoPath, entries[0].ProfilePath), Is.EqualTo(("Ada", "blacksmith", "Assets/Faces/ada.jpg", (string?)null)));
            Assert.That((entries[0].Seed, entries[0].Preset, entries[0].Line), Is.EqualTo(((long?)42, "npc-fantasy", 2)));
            Assert.That((entries[1].PhotoPath, entries[1].ProfilePath, entries[1].Seed, entries[1].Preset), Is.EqualTo(((string?)null, "bo.iidprofile", (long?)null, (string?)null)));
        }

        [Test]
        public void ParseCsv_QuotedFields_KeepCommasQuotesAndLineBreaks()
        {
            var text = "name,prompt,photo,seed,preset\r\n" +
                       "\"Smith, the elder\",\"old smith, grey beard, says \"\"hello\"\"\",a.jpg,7,\r\n" +
                       "Cy,\"two\nlines\",c.jpg,8,portrait\r\n" +
                       "Di,druid,d.jpg,9,\r\n";
            var entries = NpcBatch.ParseCsv(text);
            Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { "Smith, the elder", "Cy", "Di" }));
            Assert.That(entries[0].Prompt, Is.EqualTo("old smith, grey beard, says \"hello\""));
            Assert.That(entries[1].Prompt, Is.EqualTo("two\nlines"));
            Assert.That(entries.Select(e => e.Line), Is.EqualTo(new[] { 2, 3, 5 }), "a record's line is where it starts; the quoted line break counts");
        }

        [Test]
        public void ParseCsv_HeaderOrderIsFree_OptionalColumnsMayBeLeftOut_BlankLinesSkipped()
        {
            var entries = NpcBatch.ParseCsv("\uFEFFPhoto, Name ,Prompt\n\nx.jpg,Ed,elf\n   \n");
            Assert.That(entries.Count, Is.EqualTo(1));
            Assert.That((entries[0].Name, entries[0].Prompt, entries[0].PhotoPath, entries[0].Seed, entries[0].Line), Is.EqualTo(("Ed", "elf", "x.jpg", (long?)null, 3)));
        }

        [Test]
        public void ParseCsv_BadSeed_NamesTheLine()
        {
            var error = Assert.Throws<NpcBatchException>(() => NpcBatch.ParseCsv(Header + "Ada,smith,a.jpg,42,\nBo,pilot,b.jpg,4x2,\n"))!;
            Assert.That(error.Line, Is.EqualTo(3));
            Assert.That(error.Message, Does.StartWith("NPC list line 3: seed '4x2' is not a whole number"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,smith,a.jpg,-1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: seed '-1'"));
        }

        [Test]
        public void ParseCsv_Errors_SayWhatToFix()
        {
            Assert.That(() => NpcBatch.ParseCsv(""), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("header name,prompt,photo,seed,preset"));
            Assert.That(() => NpcBatch.ParseCsv("name,prompt,image\n"), Throws.InstanceOf<NpcBatchException>().With.Message.EqualTo("NPC list line 1: unknown column 'image'; the columns are name,prompt,photo,seed,preset."));
            Assert.That(() => NpcBatch.ParseCsv("name,prompt\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("no 'photo' column"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,smith, grey,a.jpg,1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: 6 fields, but the header has 5; quote fields"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,\"smith,a.jpg,1,\nBo,x,y,2,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: a quoted field is never closed"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,say \"hi\",a.jpg,1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: a quote in the middle"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,smith,a.jpg,1,oil\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: there is no preset 'oil'; use one of portrait"));
            Assert.That(() => NpcBatch.ParseCsv(Header + ",smith,a.jpg,1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("line 2: the name is empty"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,,a.jpg,1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("'Ada' has no prompt"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,smith,,1,\n"), Throws.InstanceOf<NpcBatchException>().With.Message.Contains("'Ada' has no photo"));
            Assert.That(() => NpcBatch.ParseCsv(Header + "Ada,smith,a.jpg,1,\nada,baker,b.jpg,2,\n"),
                Throws.InstanceOf<NpcBatchException>().With.Message.EqualTo("NPC list line 3: 'ada' would overwrite the image of line 2 (ada.png); give every NPC its own name."));
        }

        [Test]
        public void FileNameFor_ReplacesCharactersNoFileSystemAllows()
        {
            Assert.That(NpcBatch.FileNameFor("Ada Lovelace"), Is.EqualTo("Ada Lovelace.png"));
            Assert.That(NpcBatch.FileNameFor("Guard: North/East?"), Is.EqualTo("Guard_ North_East_.png"));
            Assert.That(NpcBatch.FileNameFor("trailing dots..."), Is.EqualTo("trailing dots.png"));
            Assert.That(NpcBatch.FileNameFor("con"), Is.EqualTo("_con.png"));
            Assert.That(NpcBatch.FileNameFor("COM1.old"), Is.EqualTo("_COM1.old.png"));
            Assert.That(() => NpcBatch.FileNameFor("???"), Throws.InstanceOf<NpcBatchException>());
        }

        [Test]
        public void CreateRequest_ResolvesPaths_AppliesPresetThenSeed()
        {
            var root = Path.GetFullPath(Path.Combine(Path.GetTempPath(), "npc-project"));
            var entry = NpcBatch.ParseCsv(Header + "Ada,a blacksmith,Assets/Faces/ada.jpg,42,npc-fantasy\n")[0];
            var request = NpcBatch.CreateRequest(entry, root, r => { r.Steps = 12; r.Seed = 1; });
            Assert.That(request.FacePhotoPaths, Is.EqualTo(new[] { Path.Combine(root, "Assets", "Faces", "ada.jpg") }));
            Assert.That(request.ProfilePath, Is.Null);
            Assert.That(request.Prompt, Is.EqualTo("fantasy character portrait of a blacksmith, detailed painterly illustration, dramatic rim light"));
            Assert.That(request.Steps, Is.EqualTo(30), "the preset overrides the defaults");
            Assert.That(request.Seed, Is.EqualTo(42));
            Assert.That(() => request.Validate(), Throws.Nothing);

            var profile = NpcBatch.ParseCsv(Header + "Bo,pilot,bo.iidprofile,,\n")[0];
            var second = NpcBatch.CreateRequest(profile, root, r => r.Steps = 12);
            Assert.That((second.ProfilePath, second.FacePhotoPaths.Count, second.Prompt, second.Steps, second.Seed),
                Is.EqualTo((Path.Combine(root, "bo.iidprofile"), 0, "pilot", 12, (long?)null)));
        }
    }
}
