-- Run once by the postgres image (mounted into /docker-entrypoint-initdb.d) on an
-- empty data volume, as POSTGRES_USER (relief). One database per relief service.
CREATE DATABASE eligibility OWNER relief;
CREATE DATABASE benefit_calc OWNER relief;
CREATE DATABASE approval OWNER relief;
CREATE DATABASE means_check OWNER relief;
CREATE DATABASE disbursement OWNER relief;
