// Measurements beyond programming and drift CSV (measurements_test.cpp): HDF5 files (one dataset
// per column, units in attributes), read-noise and pulse-response data, the choice of format by
// content and extension, and every bad-data message with its exact text.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "kirchhoff/core/error.hpp"
#include "kirchhoff/core/hdf5.hpp"
#include "kirchhoff/fitting/measurements.hpp"
#include "support/expect.hpp"
#include "support/temp_dir.hpp"

namespace kirchhoff::fitting {
namespace {

using kirchhoff::testing::message_of;

class MeasurementFiles : public ::testing::Test {
 protected:
  [[nodiscard]] std::string path(const std::string& name) const { return (dir_ / name).string(); }
  [[nodiscard]] h5::File create(const std::string& name) const {
    return h5::File::create(path(name),
                            {std::string(kMeasurementFiletype), kMeasurementSchemaMajor, 0});
  }
  const kirchhoff::testing::TempDir dir_{"measurements"};
};

TEST_F(MeasurementFiles, ProgrammingFromHdf5WithUnitAttributesAndAnyNumberType) {
  {
    auto f = create("p.h5");
    std::vector<double> target, programmed;
    for (int i = 1; i <= 10; ++i) {
      target.push_back(i);
      programmed.push_back(i + 0.5);
    }
    f.write_dataset("target", target).write_attribute("unit", "uS");
    f.write_dataset("programmed", programmed).write_attribute("units", "uS");  // either name
    f.write_dataset("notes", std::vector<std::int32_t>{1, 2, 3});  // extra datasets are ignored
    f.close();
  }
  const auto data = read_programming(path("p.h5"));
  ASSERT_EQ(data.target_siemens.size(), 10u);
  EXPECT_DOUBLE_EQ(data.target_siemens[0], 1e-6);
  EXPECT_DOUBLE_EQ(data.programmed_siemens[9], 10.5e-6);
  EXPECT_EQ(data.line[3], 3u);  // the dataset row (0-based)

  // Integer datasets, the unit from the name's suffix, --columns mapping as for CSV.
  {
    auto f = create("q.h5");
    std::vector<std::int64_t> t, p;
    for (int i = 1; i <= 10; ++i) {
      t.push_back(i * 1000);
      p.push_back(i * 1000 + 100);
    }
    f.write_dataset("Gt_nS", t);
    f.write_dataset("Gp_nS", p);
    f.close();
  }
  MeasurementOptions options;
  options.columns = {{"target", "Gt"}, {"programmed", "Gp"}};
  const auto q = read_programming(path("q.h5"), options);
  EXPECT_DOUBLE_EQ(q.programmed_siemens[0], 1.1e-6);
}

TEST_F(MeasurementFiles, FormatIsChosenByContentThenExtension) {
  {
    auto f = create("data.csv");  // HDF5 content with a CSV name: the content decides
    f.close();
  }
  EXPECT_EQ(measurement_format(path("data.csv")), MeasurementFormat::hdf5);
  kirchhoff::testing::write_text(dir_ / "table.h5", "target_uS,programmed_uS\n");
  EXPECT_EQ(measurement_format(path("table.h5")), MeasurementFormat::hdf5);
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("table.h5")); }),
            "file '" + path("table.h5") + "': not an HDF5 file");
  kirchhoff::testing::write_text(dir_ / "table.txt", "target_uS,programmed_uS\n");
  EXPECT_EQ(measurement_format(path("table.txt")), MeasurementFormat::csv);
  EXPECT_THROW((void)measurement_format(path("missing.csv")), IoError);
}

TEST_F(MeasurementFiles, BadHdf5DataNamesTheFileDatasetAndRow) {
  {
    auto f = create("d.h5");
    f.write_dataset("device", std::vector<std::string>{"a", "a", "b", "b"});
    f.write_dataset("target", std::vector<double>{10, 10, 5, 5}).write_attribute("unit", "uS");
    f.write_dataset("time", std::vector<double>{1, 2, 1, -3}).write_attribute("unit", "h");
    f.write_dataset("conductance", std::vector<double>{10, 9, 5, 4}).write_attribute("unit", "uS");
    f.close();
  }
  const std::string d = path("d.h5");
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_drift(d); }),
            d + ": dataset 'time' [3]: time since programming must be > 0, got -3");
  {
    auto f = create("e.h5");
    f.write_dataset("device", std::vector<std::int32_t>{7, 7, 8, 8});  // integer ids
    f.write_dataset("target", std::vector<double>{10, 10, 5, 5}).write_attribute("unit", "uS");
    f.write_dataset("time", std::vector<double>{1, 2, 2, 1}).write_attribute("unit", "s");
    f.write_dataset("conductance", std::vector<double>{10, 9, 5, 4}).write_attribute("unit", "uS");
    f.close();
  }
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_drift(path("e.h5")); }),
            path("e.h5") +
                ": row [3]: device '8': time 1 s is not after its previous time 2 s (row [2]); "
                "times must increase down the file for each device");
  {
    auto f = create("f.h5");
    f.write_dataset("target", std::vector<double>{1, 2}).write_attribute("unit", "uS");
    f.write_dataset("programmed", std::vector<double>{1, 2, 3}).write_attribute("unit", "uS");
    f.close();
  }
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("f.h5")); }),
            path("f.h5") +
                ": dataset 'programmed' has 3 rows but 'target' has 2; the columns of one file "
                "have one length");
  {
    auto f = create("g.h5");
    f.write_dataset("target", std::vector<double>{1, 2}).write_attribute("unit", "volt");
    f.write_dataset("programmed", std::vector<double>{1, 2}).write_attribute("unit", "uS");
    f.close();
  }
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("g.h5")); }),
            path("g.h5") +
                ": dataset 'target': unit attribute 'volt' is not a unit of conductance (S with "
                "prefixes f p n u m k M G T)");
  {
    auto f = create("h.h5");
    f.write_dataset("target", std::vector<double>{1, 2}).write_attribute("unit", "uS");
    f.close();
  }
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("h.h5")); }),
            path("h.h5") +
                ": no programmed column (looked for programmed, g_programmed, g_P; the file has "
                "datasets target); name it with --columns programmed=NAME");
  {
    auto f = h5::File::create(path("other.h5"), {"kirchhoff-campaign", 1, 0});
    f.close();
  }
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("other.h5")); }),
            "file '" + path("other.h5") +
                "': expected a 'kirchhoff-measurements' file, found a 'kirchhoff-campaign' file");
}

// A file written by a lab's own script (h5py, MATLAB): datasets with unit attributes, no
// Kirchhoff identity. Written here with the HDF5 C library directly.
TEST_F(MeasurementFiles, Hdf5FromAnotherProgramNeedsNoIdentity) {
  const auto write_column = [](hid_t file, const char* name, const std::vector<double>& values,
                               const char* unit) {
    const hsize_t n = values.size();
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t set =
        H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Dwrite(set, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    const hid_t text = H5Tcopy(H5T_C_S1);
    H5Tset_size(text, std::strlen(unit));
    const hid_t scalar = H5Screate(H5S_SCALAR);
    const hid_t attribute = H5Acreate2(set, "unit", text, scalar, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(attribute, text, unit);
    H5Aclose(attribute);
    H5Sclose(scalar);
    H5Tclose(text);
    H5Dclose(set);
    H5Sclose(space);
  };
  const hid_t file = H5Fcreate(path("lab.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  std::vector<double> target, programmed;
  for (int i = 1; i <= 10; ++i) {
    target.push_back(1.5 * i);
    programmed.push_back(1.5 * i + 0.25);
  }
  write_column(file, "target", target, "uS");
  write_column(file, "programmed", programmed, "uS");
  H5Fclose(file);
  const auto data = read_programming(path("lab.h5"));
  ASSERT_EQ(data.target_siemens.size(), 10u);
  EXPECT_DOUBLE_EQ(data.target_siemens[1], 3e-6);
  EXPECT_DOUBLE_EQ(data.programmed_siemens[9], 15.25e-6);
}

// Extents come from the file: a column larger than any measurement is refused before its
// values are allocated. The dataset is chunked and never written, so the file stays small.
TEST_F(MeasurementFiles, AColumnOfABillionRowsIsRefusedBeforeReading) {
  const hid_t file = H5Fcreate(path("huge.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  const hsize_t rows = 1'000'000'000, chunk = 1024;
  const hid_t space = H5Screate_simple(1, &rows, nullptr);
  const hid_t create = H5Pcreate(H5P_DATASET_CREATE);
  H5Pset_chunk(create, 1, &chunk);
  for (const char* name : {"target_uS", "programmed_uS"}) {
    H5Dclose(H5Dcreate2(file, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, create, H5P_DEFAULT));
  }
  H5Pclose(create);
  H5Sclose(space);
  H5Fclose(file);
  EXPECT_EQ(message_of<FormatError>([&] { (void)read_programming(path("huge.h5")); }),
            path("huge.h5") +
                ": dataset 'target_uS' has 1000000000 rows; measurement files of up to 100000000 "
                "rows are read (subsample it)");
}

TEST(Measurements, ReadNoiseRowsWithAndWithoutTargets) {
  const auto data = parse_read_noise_csv(
      "device,time_s,g_uS,target_uS\na,60,10.1,10\na,60,9.9,10\nb,60,5.1,5\nb,60,4.8,5\n"
      "b,3600,4.7,5\n",
      "r.csv");
  ASSERT_EQ(data.time_s.size(), 5u);
  EXPECT_DOUBLE_EQ(data.target_siemens[2], 5e-6);
  EXPECT_DOUBLE_EQ(data.time_s[4], 3600.0);
  const auto bare =
      parse_read_noise_csv("device,t_min,G_nS\na,1,1\na,2,2\na,3,3\nb,1,1\nb,1,1\n", "r.csv");
  EXPECT_TRUE(bare.target_siemens.empty());
  EXPECT_DOUBLE_EQ(bare.time_s[1], 120.0);
}

TEST(Measurements, BadReadNoiseDataNamesFileLineAndDevice) {
  auto error = [](const std::string& rows) {
    return message_of<FormatError>(
        [&] { (void)parse_read_noise_csv("device,time_s,g_uS\n" + rows, "r.csv"); });
  };
  EXPECT_EQ(error("a,60,10\na,60,9\nb,60,5\nb,30,4\n"),
            "r.csv:5: device 'b': time 30 s is before its previous read at 1 min (line 4); reads "
            "must be in time order for each device");
  EXPECT_EQ(error("a,60,10\na,60,9\nb,60,5\nb,70,4\n"),
            "r.csv:5: device 'b' has 2 reads at different times; the read-noise fit needs "
            "repeated reads at one time, or at least 3 reads");
  EXPECT_EQ(error("a,60,10\na,60,-9\n"),
            "r.csv:3: column 'g_uS': negative conductance -9 uS (the read-noise fit takes "
            "relative deviations: conductances must be > 0)");
  EXPECT_EQ(error("a,60,10\na,60,9\n"), "r.csv: 1 device; the read-noise fit needs at least 2");
}

TEST(Measurements, PulseRowsPolaritiesAndOneDeviceWithoutItsColumn) {
  const std::string rows = "0,0,1\n1,ltp,2\n2,+1,3\n3,LTP,3.5\n4,ltd,3\n5,-1,2\n6,depression,1.5\n";
  const auto data = parse_pulse_csv("pulse,polarity,G_nS\n" + rows, "u.csv");
  ASSERT_EQ(data.pulse.size(), 7u);
  EXPECT_EQ(data.device[6], "1");
  EXPECT_EQ(data.polarity, (std::vector<int>{0, 1, 1, 1, -1, -1, -1}));
  EXPECT_DOUBLE_EQ(data.conductance_siemens[3], 3.5e-9);
}

TEST(Measurements, BadPulseDataNamesFileLineAndDevice) {
  auto error = [](const std::string& rows) {
    return message_of<FormatError>(
        [&] { (void)parse_pulse_csv("device,pulse,polarity,G_nS\n" + rows, "u.csv"); });
  };
  EXPECT_EQ(error("a,0,0,1\na,1,1,2\na,3,1,3\n"),
            "u.csv:4: device 'a': pulse 3 does not follow pulse 1 (line 3); the pulse fit needs a "
            "read after every pulse, in order");
  EXPECT_EQ(error("a,0,0,1\na,1,2,2\n"),
            "u.csv:3: column 'polarity': '2' is not a polarity (+1 or ltp, -1 or ltd, 0 for the "
            "read before the first pulse)");
  EXPECT_EQ(error("a,0,0,1\na,1,0,2\n"),
            "u.csv:3: column 'polarity': device 'a': polarity 0 after the first read; every later "
            "row is a read after a pulse of polarity +1 (LTP) or -1 (LTD)");
  EXPECT_EQ(error("a,0,0,1\na,1.5,1,2\n"),
            "u.csv:3: column 'pulse': pulse number 1.5 is not an integer >= 0");
  EXPECT_EQ(error("a,0,0,1\na,1,1,2\na,2,1,3\n"),
            "u.csv:4: device 'a' has 3 rows; the pulse fit needs at least 6 per device (the first "
            "read, then a read after each pulse)");
  EXPECT_EQ(error("a,0,0,1\na,1,1,2\na,2,1,3\na,3,1,4\na,4,1,5\na,5,1,6\n"),
            "u.csv:7: device 'a' has 5 LTP and 0 LTD pulses; the pulse fit needs both polarities "
            "for every device (it fits the LTP and the LTD curve)");
}

}  // namespace
}  // namespace kirchhoff::fitting
